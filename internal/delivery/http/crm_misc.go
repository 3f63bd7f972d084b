package http

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
)

// createTicket opens a ticket for the customer's contact and account.
func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, in records.TicketInput) error {
	rec, err := s.CRM.Tickets.CreateTicket(r.Context(), customer(r), in)
	return reply(w, http.StatusCreated, rec, err)
}

// updateTicket edits the customer fields of one of the customer's tickets.
func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request, in records.TicketInput) error {
	rec, err := s.CRM.Tickets.UpdateTicket(r.Context(), customer(r), chi.URLParam(r, "id"), in)
	return reply(w, http.StatusAccepted, rec, err)
}

// ticketStatusInput is the body of PATCH /tickets/{id}.
type ticketStatusInput struct {
	TicketStatus string `json:"ticketstatus"`
}

// patchTicket changes a ticket's status only.
func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request, in ticketStatusInput) error {
	rec, err := s.CRM.Tickets.SetTicketStatus(r.Context(), customer(r), chi.URLParam(r, "id"), in.TicketStatus)
	return reply(w, http.StatusAccepted, rec, err)
}

// starredFAQs lists the FAQs shown on the dashboard.
func (s *Server) starredFAQs(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.CRM.Insights.StarredFAQs(r.Context(), customer(r))
	return replyRelated(w, recs, err)
}

// company returns the portal owner's organisation details. It needs a
// login: the requisites are not meant for anonymous scraping.
func (s *Server) company(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.CRM.Reference.Company(r.Context())
	return replyData(w, http.StatusOK, rec, err)
}

// manager returns the public fields of a CRM user (a record's assignee).
func (s *Server) manager(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.CRM.Reference.Manager(r.Context(), chi.URLParam(r, "id"))
	return replyData(w, http.StatusOK, rec, err)
}

// describeModule passes Vtiger's describe of a portal module through.
func (s *Server) describeModule(w http.ResponseWriter, r *http.Request) error {
	m, err := s.CRM.Reference.Describe(r.Context(), chi.URLParam(r, "name"))
	return replyData(w, http.StatusOK, m, err)
}

// statistics returns the dashboard numbers of the customer.
func (s *Server) statistics(w http.ResponseWriter, r *http.Request) error {
	st, err := s.CRM.Insights.Statistics(r.Context(), customer(r))
	return replyData(w, http.StatusOK, st, err)
}

// statisticsTasks lists the customer's project tasks in progress.
func (s *Server) statisticsTasks(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.CRM.Insights.StatisticsTasks(r.Context(), customer(r))
	return replyRelated(w, recs, err)
}

// search looks the term up in the customer's FAQs, tickets, projects and
// tasks.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	items, err := s.CRM.Insights.Search(r.Context(), customer(r), r.URL.Query().Get("search"))
	return replyRelated(w, items, err)
}

// createLead records a referral; rate-limited per IP like the auth routes.
func (s *Server) createLead(w http.ResponseWriter, r *http.Request, in records.LeadInput) error {
	rec, err := s.CRM.Reference.CreateLead(r.Context(), customer(r), in)
	return reply(w, http.StatusCreated, rec, err)
}

// myDocuments lists the documents of the customer's contact.
func (s *Server) myDocuments(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.CRM.MyDocuments.MyDocuments(r.Context(), customer(r))
	return replyRelated(w, recs, err)
}

// uploadMyDocument attaches a file to the customer's contact.
func (s *Server) uploadMyDocument(w http.ResponseWriter, r *http.Request) error {
	up, err := s.readUpload(r)
	if err != nil {
		return err
	}
	rec, err := s.CRM.MyDocuments.UploadMyDocument(r.Context(), customer(r), up)
	return replyData(w, http.StatusCreated, rec, err)
}

// myFile downloads an attachment of one of the customer's documents.
func (s *Server) myFile(w http.ResponseWriter, r *http.Request) error {
	f, err := s.CRM.MyDocuments.MyFile(r.Context(), customer(r), chi.URLParam(r, "crmid"), chi.URLParam(r, "att"))
	return replyFile(w, r, f, err)
}

// deleteMyDocument removes one of the customer's own documents.
func (s *Server) deleteMyDocument(w http.ResponseWriter, r *http.Request) error {
	err := s.CRM.MyDocuments.DeleteMyDocument(r.Context(), customer(r), chi.URLParam(r, "crmid"), chi.URLParam(r, "doc"))
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readUpload reads the multipart part "file" fully into memory, bounded by
// http.maxUploadBytes (413 beyond), and sniffs its content type: the
// browser's claim is not trusted.
func (s *Server) readUpload(r *http.Request) (records.Upload, error) {
	limit := s.Config.HTTP.MaxUploadBytes
	tooLarge := domain.Errorf(domain.ETOOLARGE, "the file must not be larger than %d bytes", limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return records.Upload{}, domain.Invalid("file", "send the file as multipart/form-data in the field \"file\"")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return records.Upload{}, domain.Invalid("file", "the multipart field \"file\" is missing")
		}
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return records.Upload{}, tooLarge
			}
			return records.Upload{}, domain.Errorf(domain.EBADREQUEST, "malformed multipart body")
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		return readPart(part, limit, tooLarge)
	}
}

func readPart(part *multipart.Part, limit int64, tooLarge error) (records.Upload, error) {
	defer part.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(part, limit+1))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return records.Upload{}, tooLarge
		}
		return records.Upload{}, domain.Errorf(domain.EBADREQUEST, "malformed multipart body")
	}
	if n > limit {
		return records.Upload{}, tooLarge
	}
	data := buf.Bytes()
	return records.Upload{Name: sanitizeFilename(part.FileName()), MIME: http.DetectContentType(data), Content: data}, nil
}

// sanitizeFilename keeps the base name without control or path characters.
func sanitizeFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|;`, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	if name == "" {
		name = "file"
	}
	return name
}

// replyFile answers {data: {fileid, filename, filetype, filesize,
// filecontents}} or, with ?raw=1, the bytes as an attachment.
func replyFile(w http.ResponseWriter, r *http.Request, f *records.File, err error) error {
	if err != nil {
		return err
	}
	if raw, _ := strconv.ParseBool(r.URL.Query().Get("raw")); !raw {
		writeData(w, http.StatusOK, f)
		return nil
	}
	ctype := f.MIMEType
	if _, _, perr := mime.ParseMediaType(ctype); perr != nil || ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": sanitizeFilename(f.Name)}))
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Content)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Content)
	return nil
}
