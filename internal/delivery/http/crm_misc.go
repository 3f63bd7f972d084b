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
//
//	@Summary		Open a ticket
//	@Description	Priority, severity and category are checked against the picklists describe reports.
//	@Tags			tickets
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			body	body		records.TicketInput	true	"ticket fields"
//	@Success		201		{object}	object				"the new ticket (bare)"
//	@Failure		400		{object}	ErrorBody			"malformed JSON"
//	@Failure		401		{object}	ErrorBody			"missing or invalid token"
//	@Failure		403		{object}	ErrorBody			"OTP Required"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets [post]
func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) {
	var in records.TicketInput
	if err := readJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.CRM.Tickets.CreateTicket(r.Context(), customer(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

// updateTicket edits the customer fields of one of the customer's tickets.
//
//	@Summary	Edit a ticket
//	@Tags		tickets
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		id		path		string				true	"ticket id (webservice id)"	example(17x123)
//	@Param		body	body		records.TicketInput	true	"ticket fields to change"
//	@Success	202		{object}	object				"the updated ticket (bare)"
//	@Failure	400		{object}	ErrorBody			"malformed JSON"
//	@Failure	401		{object}	ErrorBody			"missing or invalid token"
//	@Failure	403		{object}	ErrorBody			"OTP Required"
//	@Failure	404		{object}	ErrorBody			"no such ticket, or not the customer's"
//	@Failure	422		{object}	ErrorBody
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/tickets/{id} [put]
func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request) {
	var in records.TicketInput
	if err := readJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.CRM.Tickets.UpdateTicket(r.Context(), customer(r), chi.URLParam(r, "id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, rec)
}

// ticketStatusInput is the body of PATCH /tickets/{id}.
type ticketStatusInput struct {
	TicketStatus string `json:"ticketstatus"`
}

// patchTicket changes a ticket's status only.
//
//	@Summary	Change a ticket's status
//	@Tags		tickets
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		id		path		string				true	"ticket id (webservice id)"	example(17x123)
//	@Param		body	body		ticketStatusInput	true	"the new status"
//	@Success	202		{object}	object				"the updated ticket (bare)"
//	@Failure	400		{object}	ErrorBody			"malformed JSON"
//	@Failure	401		{object}	ErrorBody			"missing or invalid token"
//	@Failure	403		{object}	ErrorBody			"OTP Required"
//	@Failure	404		{object}	ErrorBody			"no such ticket, or not the customer's"
//	@Failure	422		{object}	ErrorBody			"not a status of the picklist"
//	@Failure	502		{object}	ErrorBody			"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody			"CRM unavailable"
//	@Failure	504		{object}	ErrorBody			"CRM timed out"
//	@Router		/tickets/{id} [patch]
func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request) {
	var in ticketStatusInput
	if err := readJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.CRM.Tickets.SetTicketStatus(r.Context(), customer(r), chi.URLParam(r, "id"), in.TicketStatus)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, rec)
}

// starredFAQs lists the FAQs shown on the dashboard.
//
//	@Summary		Starred FAQs
//	@Description	List, data only.
//	@Tags			faqs
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/faqs/starred [get]
func (s *Server) starredFAQs(w http.ResponseWriter, r *http.Request) {
	recs, err := s.CRM.Insights.StarredFAQs(r.Context(), customer(r))
	writeRelated(s, w, r, recs, err)
}

// company returns the portal owner's organisation details. It needs a
// login: the requisites are not meant for anonymous scraping.
//
//	@Summary	The company's details and requisites
//	@Tags		company
//	@Security	Bearer
//	@Produce	json
//	@Success	200	{object}	dataEnvelope{data=object}
//	@Failure	401	{object}	ErrorBody	"missing or invalid token"
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Failure	502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503	{object}	ErrorBody	"CRM unavailable"
//	@Failure	504	{object}	ErrorBody	"CRM timed out"
//	@Router		/company [get]
func (s *Server) company(w http.ResponseWriter, r *http.Request) {
	rec, err := s.CRM.Reference.Company(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeData(w, http.StatusOK, rec)
}

// manager returns the public fields of a CRM user (a record's assignee).
//
//	@Summary	A CRM user (manager)
//	@Tags		managers
//	@Security	Bearer
//	@Produce	json
//	@Param		id	path		string	true	"CRM user id, from assigned_user_id"	example(19x1)
//	@Success	200	{object}	dataEnvelope{data=object}
//	@Failure	401	{object}	ErrorBody	"missing or invalid token"
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Failure	404	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody	"not a user id"
//	@Failure	502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503	{object}	ErrorBody	"CRM unavailable"
//	@Failure	504	{object}	ErrorBody	"CRM timed out"
//	@Router		/managers/{id} [get]
func (s *Server) manager(w http.ResponseWriter, r *http.Request) {
	rec, err := s.CRM.Reference.Manager(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeData(w, http.StatusOK, rec)
}

// describeModule passes Vtiger's describe of a portal module through.
//
//	@Summary	Describe a module (fields, picklists)
//	@Tags		modules
//	@Security	Bearer
//	@Produce	json
//	@Param		name	path		string	true	"module name"	example(HelpDesk)
//	@Success	200		{object}	dataEnvelope{data=vtiger.Module}
//	@Failure	401		{object}	ErrorBody	"missing or invalid token"
//	@Failure	403		{object}	ErrorBody	"OTP Required"
//	@Failure	404		{object}	ErrorBody	"not a module of the portal"
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/modules/{name} [get]
func (s *Server) describeModule(w http.ResponseWriter, r *http.Request) {
	m, err := s.CRM.Reference.Describe(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeData(w, http.StatusOK, m)
}

// statistics returns the dashboard numbers of the customer.
//
//	@Summary		Dashboard statistics
//	@Description	Counts and sums are JSON numbers.
//	@Tags			statistics
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	dataEnvelope{data=records.Statistics}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/statistics [get]
func (s *Server) statistics(w http.ResponseWriter, r *http.Request) {
	st, err := s.CRM.Insights.Statistics(r.Context(), customer(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeData(w, http.StatusOK, st)
}

// statisticsTasks lists the customer's project tasks in progress.
//
//	@Summary		Project tasks in progress
//	@Description	List, data only.
//	@Tags			statistics
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/statistics/tasks [get]
func (s *Server) statisticsTasks(w http.ResponseWriter, r *http.Request) {
	recs, err := s.CRM.Insights.StatisticsTasks(r.Context(), customer(r))
	writeRelated(s, w, r, recs, err)
}

// search looks the term up in the customer's FAQs, tickets, projects and
// tasks.
//
//	@Summary		Global search
//	@Description	List, data only.
//	@Tags			search
//	@Security		Bearer
//	@Produce		json
//	@Param			search	query		string	true	"search text, at least 3 characters"	example(printer)
//	@Success		200		{object}	ListEnvelope{data=[]records.SearchItem}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"search text too short"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/search [get]
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	items, err := s.CRM.Insights.Search(r.Context(), customer(r), r.URL.Query().Get("search"))
	writeRelated(s, w, r, items, err)
}

// createLead records a referral; rate-limited per IP like the auth routes.
//
//	@Summary	Refer a lead
//	@Tags		leads
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		records.LeadInput	true	"the lead"
//	@Success	201		{object}	object				"the new lead (bare)"
//	@Failure	400		{object}	ErrorBody			"malformed JSON"
//	@Failure	401		{object}	ErrorBody			"missing or invalid token"
//	@Failure	403		{object}	ErrorBody			"OTP Required"
//	@Failure	422		{object}	ErrorBody
//	@Failure	429		{object}	ErrorBody	"too many leads from this address"
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/leads [post]
func (s *Server) createLead(w http.ResponseWriter, r *http.Request) {
	var in records.LeadInput
	if err := readJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.CRM.Reference.CreateLead(r.Context(), customer(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

// myDocuments lists the documents of the customer's contact.
//
//	@Summary		My documents
//	@Description	List, data only.
//	@Tags			documents
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/users/my/documents [get]
func (s *Server) myDocuments(w http.ResponseWriter, r *http.Request) {
	recs, err := s.CRM.MyDocuments.MyDocuments(r.Context(), customer(r))
	writeRelated(s, w, r, recs, err)
}

// uploadMyDocument attaches a file to the customer's contact.
//
//	@Summary		Upload one of my documents
//	@Description	The content type is sniffed from the bytes. Bodies above http.maxUploadBytes answer 413.
//	@Tags			documents
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/users/my/documents [post]
func (s *Server) uploadMyDocument(w http.ResponseWriter, r *http.Request) {
	up, err := s.readUpload(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.CRM.MyDocuments.UploadMyDocument(r.Context(), customer(r), up)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeData(w, http.StatusCreated, rec)
}

// myFile downloads an attachment of one of the customer's documents.
//
//	@Summary		Download one of my files
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			documents
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			crmid	path		string							true	"the customer's contact id"							example(12x5)
//	@Param			att		path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw		query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200		{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401		{object}	ErrorBody						"missing or invalid token"
//	@Failure		403		{object}	ErrorBody						"OTP Required"
//	@Failure		404		{object}	ErrorBody						"no such attachment, or not the customer's"
//	@Failure		502		{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody						"CRM unavailable"
//	@Failure		504		{object}	ErrorBody						"CRM timed out"
//	@Router			/users/{crmid}/file/{att} [get]
func (s *Server) myFile(w http.ResponseWriter, r *http.Request) {
	f, err := s.CRM.MyDocuments.MyFile(r.Context(), customer(r), chi.URLParam(r, "crmid"), chi.URLParam(r, "att"))
	s.writeFile(w, r, f, err)
}

// deleteMyDocument removes one of the customer's own documents.
//
//	@Summary	Delete one of my documents
//	@Tags		documents
//	@Security	Bearer
//	@Produce	json
//	@Param		crmid	path	string	true	"the customer's contact id"	example(12x5)
//	@Param		doc		path	string	true	"document id"				example(15x43)
//	@Success	204
//	@Failure	401	{object}	ErrorBody	"missing or invalid token"
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Failure	404	{object}	ErrorBody	"no such document, or not the customer's"
//	@Failure	502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503	{object}	ErrorBody	"CRM unavailable"
//	@Failure	504	{object}	ErrorBody	"CRM timed out"
//	@Router		/users/{crmid}/documents/{doc} [delete]
func (s *Server) deleteMyDocument(w http.ResponseWriter, r *http.Request) {
	if err := s.CRM.MyDocuments.DeleteMyDocument(r.Context(), customer(r), chi.URLParam(r, "crmid"), chi.URLParam(r, "doc")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readUpload reads the multipart part "file" fully into memory, bounded by
// http.maxUploadBytes (413 beyond), and sniffs its content type: the
// browser's claim is not trusted.
func (s *Server) readUpload(r *http.Request) (records.Upload, error) {
	limit := s.Config.HTTP.MaxUploadBytes
	if limit <= 0 {
		limit = 10 << 20
	}
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

// writeFile answers {data: {fileid, filename, filetype, filesize,
// filecontents}} or, with ?raw=1, the bytes as an attachment.
func (s *Server) writeFile(w http.ResponseWriter, r *http.Request, f *records.File, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if raw, _ := strconv.ParseBool(r.URL.Query().Get("raw")); !raw {
		writeData(w, http.StatusOK, f)
		return
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
}
