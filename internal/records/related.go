package records

import (
	"context"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Author is who wrote a comment: the customer side (a Contact) or the
// company side (a CRM user).
type Author struct {
	ID           string `json:"id"`
	FirstName    string `json:"firstname"`
	LastName     string `json:"lastname"`
	Email        string `json:"email"`
	ImageContent string `json:"imagecontent"`
}

// Upload is a file a customer sends.
type Upload struct {
	Name    string
	MIME    string
	Content []byte
}

// File is a downloaded attachment.
type File struct {
	ID       string `json:"fileid"`
	Name     string `json:"filename"`
	MIMEType string `json:"filetype"`
	Size     int64  `json:"filesize"`
	Content  []byte `json:"filecontents" swaggertype:"string" format:"base64"` // base64 in JSON
}

// maxComments bounds one record's comment thread.
const maxComments = 1000

// Comments returns the public comments of an in-scope record, oldest first,
// each with its author resolved by two batched queries.
func (st *store) Comments(ctx context.Context, def *Module, cust domain.Customer, id, parentID string) ([]vtiger.Record, error) {
	if !def.Comments {
		return nil, domain.NotFound("resource")
	}
	if err := st.checkScoped(ctx, def, cust, id, parentID); err != nil {
		return nil, err
	}
	s, err := st.Schema(ctx, "ModComments")
	if err != nil {
		return nil, err
	}
	rows, err := st.c.QueryAll(ctx, vtiger.NewSelect().From("ModComments").Where(vtiger.Eq("related_to", id)), maxComments)
	if err != nil {
		return nil, vtiger.DomainError(err, "comment")
	}
	var contactIDs, userIDs []string
	// The customer's own comments carry the session's name, as AddComment
	// answers them; no query for the reader's own contact.
	self := cust.ContactID != "" && (cust.FirstName != "" || cust.LastName != "")
	visible := rows[:0]
	for _, r := range rows {
		if r.String("is_private") == "1" {
			continue
		}
		visible = append(visible, r)
		if c := r.String("customer"); c != "" {
			if c == cust.ContactID && self {
				continue
			}
			if !slices.Contains(contactIDs, c) {
				contactIDs = append(contactIDs, c)
			}
		} else if u := commentUser(r); u != "" && !slices.Contains(userIDs, u) {
			userIDs = append(userIDs, u)
		}
	}
	authors, err := st.authors(ctx, contactIDs, userIDs)
	if err != nil {
		return nil, err
	}
	if self {
		authors[cust.ContactID] = Author{ID: cust.ContactID, FirstName: cust.FirstName, LastName: cust.LastName, Email: cust.Email}
	}
	out := make([]vtiger.Record, 0, len(visible))
	for _, r := range visible {
		rec := s.Type(r, false, nil)
		key := r.String("customer")
		if key == "" {
			key = commentUser(r)
		}
		a, ok := authors[key]
		if !ok {
			a = Author{ID: key}
		}
		rec["author"] = a
		out = append(out, rec)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].String("createdtime") < out[j].String("createdtime") })
	return out, nil
}

// commentUser is the CRM user who wrote a company-side comment.
func commentUser(r vtiger.Record) string {
	for _, k := range []string{"creator", "userid", "assigned_user_id"} {
		if v := r.String(k); vtiger.ValidID(v) {
			return v
		}
	}
	return ""
}

// authors resolves comment authors with at most one query per side,
// both sides at once (never one retrieve per comment). CRM users are
// read-mostly and the same few answer every ticket, so they are cached
// by id for cache.ttl.
func (st *store) authors(ctx context.Context, contactIDs, userIDs []string) (map[string]Author, error) {
	out := make(map[string]Author, len(contactIDs)+len(userIDs))
	var missing []string
	for _, id := range userIDs {
		if v, ok := st.cache.Peek(cacheKey{kind: kindUser, id: id}); ok {
			out[id] = v.(Author)
		} else {
			missing = append(missing, id)
		}
	}
	var contacts, users []vtiger.Record
	g, gctx := errgroup.WithContext(ctx)
	if len(contactIDs) > 0 {
		g.Go(func() error {
			rows, err := st.c.QueryAll(gctx, vtiger.NewSelect("firstname", "lastname", "email").From("Contacts").Where(vtiger.In("id", contactIDs...)), maxComments)
			if err != nil {
				return vtiger.DomainError(err, "comment author")
			}
			contacts = rows
			return nil
		})
	}
	if len(missing) > 0 {
		g.Go(func() error {
			rows, err := st.c.QueryAll(gctx, vtiger.NewSelect("first_name", "last_name", "email1").From("Users").Where(vtiger.In("id", missing...)), maxComments)
			if err != nil {
				// Users may not be queryable for a restricted CRM user; the
				// comment is still worth showing without a name.
				st.log.WarnContext(ctx, "resolving comment authors (Users)", "err", err)
				return nil
			}
			users = rows
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, r := range contacts {
		out[r.String("id")] = Author{ID: r.String("id"), FirstName: r.String("firstname"), LastName: r.String("lastname"), Email: r.String("email")}
	}
	for _, r := range users {
		a := Author{ID: r.String("id"), FirstName: r.String("first_name"), LastName: r.String("last_name"), Email: r.String("email1")}
		out[a.ID] = a
		st.cache.Set(ctx, cacheKey{kind: kindUser, id: a.ID}, a, st.ttl.TTL)
	}
	return out, nil
}

// maxCommentLen bounds one comment.
const maxCommentLen = 20000

// AddComment adds a customer comment to an in-scope record.
func (st *store) AddComment(ctx context.Context, def *Module, cust domain.Customer, id, parentID, content string) (vtiger.Record, error) {
	if !def.Comments {
		return nil, domain.NotFound("resource")
	}
	content = strings.TrimSpace(content)
	if content == "" {
		return nil, domain.Invalid("commentcontent", "must not be empty")
	}
	if len(content) > maxCommentLen {
		return nil, domain.Invalid("commentcontent", "must be at most %d bytes", maxCommentLen)
	}
	s, err := st.Schema(ctx, "ModComments")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.RefersTo("related_to"), def.Name) {
		// Vtiger refuses comments on modules ModComments is not enabled
		// for; say so instead of relaying the CRM's error as a 502.
		return nil, domain.Errorf(domain.ENOTFOUND, "comments are not enabled for %s", def.Name)
	}
	if _, err := st.getScoped(ctx, def, cust, id, parentID); err != nil {
		return nil, err
	}
	el := map[string]any{"commentcontent": content, "related_to": id, "customer": cust.ContactID}
	if u := st.biz.DefaultUser; u != "" {
		el["assigned_user_id"] = u
	}
	if s.Has("from_portal") {
		el["from_portal"] = "1"
	}
	raw, err := st.c.Create(ctx, "ModComments", el)
	st.cache.Invalidate(Change{Module: "ModComments", Parent: id})
	if err != nil {
		return nil, vtiger.DomainError(err, "record")
	}
	rec := s.Type(raw, false, nil)
	rec["author"] = Author{ID: cust.ContactID, FirstName: cust.FirstName, LastName: cust.LastName, Email: cust.Email}
	return rec, nil
}

// Documents lists the Documents related to an in-scope record.
func (st *store) Documents(ctx context.Context, def *Module, cust domain.Customer, id, parentID string) ([]vtiger.Record, error) {
	if !def.Documents {
		return nil, domain.NotFound("resource")
	}
	if err := st.checkScoped(ctx, def, cust, id, parentID); err != nil {
		return nil, err
	}
	return st.relatedDocuments(ctx, id)
}

func (st *store) relatedDocuments(ctx context.Context, id string) ([]vtiger.Record, error) {
	s, err := st.Schema(ctx, "Documents")
	if err != nil {
		return nil, err
	}
	rows, err := st.c.RetrieveRelated(ctx, id, "Documents", "Documents")
	if err != nil {
		return nil, vtiger.DomainError(err, "document")
	}
	out := make([]vtiger.Record, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.Type(r, false, nil))
	}
	return out, nil
}

// UploadDocument stores up in Vtiger as a Document related to an in-scope record.
func (st *store) UploadDocument(ctx context.Context, def *Module, cust domain.Customer, id, parentID string, up Upload) (vtiger.Record, error) {
	if !def.Documents {
		return nil, domain.NotFound("resource")
	}
	if _, err := st.getScoped(ctx, def, cust, id, parentID); err != nil {
		return nil, err
	}
	return st.attach(ctx, id, up)
}

func (st *store) attach(ctx context.Context, id string, up Upload) (vtiger.Record, error) {
	s, err := st.Schema(ctx, "Documents")
	if err != nil {
		return nil, err
	}
	el := map[string]any{"notes_title": up.Name, "filelocationtype": "I", "filestatus": "1"}
	if u := st.biz.DefaultUser; u != "" {
		el["assigned_user_id"] = u
	}
	raw, err := st.c.CreateDocument(ctx, el, up.Name, up.MIME, up.Content)
	// Even a failed attach may have left a trace; drop before answering.
	defer st.cache.Invalidate(Change{Module: "Documents", Parent: id})
	if err != nil {
		return nil, vtiger.DomainError(err, "document")
	}
	docID := raw.String("id")
	if err := st.c.AddRelated(ctx, id, docID, "Documents"); err != nil {
		// An orphan Document would be invisible to the customer anyway;
		// remove it so a retry does not leave duplicates behind.
		if derr := st.c.Delete(context.WithoutCancel(ctx), docID); derr != nil {
			st.log.WarnContext(ctx, "removing orphan document", "id", docID, "err", derr)
		}
		return nil, vtiger.DomainError(err, "document")
	}
	return s.Type(raw, false, nil), nil
}

// File returns an attachment of a Document related to an in-scope record.
func (st *store) File(ctx context.Context, def *Module, cust domain.Customer, id, parentID, attachmentID string) (*File, error) {
	if !def.Documents {
		return nil, domain.NotFound("resource")
	}
	if err := st.checkScoped(ctx, def, cust, id, parentID); err != nil {
		return nil, err
	}
	return st.fileOf(ctx, id, attachmentID)
}

func (st *store) fileOf(ctx context.Context, id, attachmentID string) (*File, error) {
	if !vtiger.ValidID(attachmentID) {
		return nil, domain.NotFound("file")
	}
	docs, err := st.c.RetrieveRelated(ctx, id, "Documents", "Documents")
	if err != nil {
		return nil, vtiger.DomainError(err, "file")
	}
	if !slices.ContainsFunc(docs, func(d vtiger.Record) bool { return hasAttachment(d.String("imageattachmentids"), attachmentID) }) {
		return nil, domain.NotFound("file")
	}
	files, err := st.c.RetrieveFiles(ctx, attachmentID)
	if err != nil {
		return nil, vtiger.DomainError(err, "file")
	}
	if len(files) == 0 {
		return nil, domain.NotFound("file")
	}
	f := files[0]
	return &File{ID: f.ID, Name: f.Name, MIMEType: f.MIMEType, Size: f.Size, Content: f.Content}, nil
}

// hasAttachment matches att against a Document's imageattachmentids, which
// may list several ids.
func hasAttachment(list, att string) bool {
	for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if p == att {
			return true
		}
	}
	return false
}

// MyDocuments lists the Documents related to the customer's own contact.
func (st *store) MyDocuments(ctx context.Context, cust domain.Customer) ([]vtiger.Record, error) {
	if cust.ContactID == "" {
		return []vtiger.Record{}, nil
	}
	return st.relatedDocuments(ctx, cust.ContactID)
}

// UploadMyDocument stores a Document related to the customer's contact.
func (st *store) UploadMyDocument(ctx context.Context, cust domain.Customer, up Upload) (vtiger.Record, error) {
	if cust.ContactID == "" {
		return nil, domain.NotFound("contact")
	}
	return st.attach(ctx, cust.ContactID, up)
}

// MyFile returns an attachment of a Document related to the customer's
// contact; crmid must be that contact.
func (st *store) MyFile(ctx context.Context, cust domain.Customer, crmid, attachmentID string) (*File, error) {
	if cust.ContactID == "" || crmid != cust.ContactID {
		return nil, domain.NotFound("file")
	}
	return st.fileOf(ctx, cust.ContactID, attachmentID)
}

// DeleteMyDocument deletes a Document related to the customer's contact.
func (st *store) DeleteMyDocument(ctx context.Context, cust domain.Customer, crmid, docID string) error {
	if cust.ContactID == "" || crmid != cust.ContactID || !vtiger.ValidID(docID) {
		return domain.NotFound("document")
	}
	docs, err := st.c.RetrieveRelated(ctx, cust.ContactID, "Documents", "Documents")
	if err != nil {
		return vtiger.DomainError(err, "document")
	}
	if !slices.ContainsFunc(docs, func(d vtiger.Record) bool { return d.String("id") == docID }) {
		return domain.NotFound("document")
	}
	err = st.c.Delete(ctx, docID)
	st.cache.Invalidate(Change{Module: "Documents", ID: docID, Parent: cust.ContactID})
	return vtiger.DomainError(err, "document")
}
