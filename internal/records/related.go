package records

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
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

// withAvatar gives an author without a picture the shared placeholder: the
// frontend renders imagecontent as a data URL, and an empty one is an
// invalid URL.
func (a Author) withAvatar() Author {
	if a.ImageContent == "" {
		a.ImageContent = domain.PlaceholderAvatar
	}
	return a
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

// subList is a page of a record's sub-list (comments, documents) as
// openSubList starts it: still empty, with the sub-module's schema and the
// order asked for.
type subList struct {
	res    ListResult
	schema *Schema
	field  string
	desc   bool
}

// openSubList normalises the paging of a record's sub-list and checks what
// every sub-list checks before reading: that def offers it, that the
// record is in the customer's scope and that p.Sort names sortable fields
// of module (newest first by default). Without a size the page is as large
// as one Vtiger query allows: the stock frontend asks without parameters
// and must get the newest page of a busy thread, and all of a normal one.
// The empty page comes back with an error too, as the callers answer it.
func (st *store) openSubList(ctx context.Context, def *Module, cust domain.Customer, id, parentID string, offered bool, module string, p *ListParams) (subList, error) {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Size < 1 {
		p.Size = st.biz.MaxPageSize
	}
	p.Size = min(p.Size, st.biz.MaxPageSize, vtiger.PageSize)
	l := subList{res: ListResult{Data: []vtiger.Record{}, Page: p.Page, Size: p.Size}}
	if !offered {
		return l, domain.NotFound("resource")
	}
	if err := st.checkScoped(ctx, def, cust, id, parentID); err != nil {
		return l, err
	}
	s, err := st.Schema(ctx, module)
	if err != nil {
		return l, err
	}
	l.schema = s
	l.field, l.desc, err = ParseSort(s, p.Sort, "-createdtime")
	return l, err
}

// Comments returns one page of the public comments of an in-scope record,
// newest first unless p.Sort says otherwise, each with its author resolved
// by two batched queries for the page. The thread is paged in Vtiger, so
// its length has no ceiling.
func (st *store) Comments(ctx context.Context, def *Module, cust domain.Customer, id, parentID string, p ListParams) (ListResult, error) {
	l, err := st.openSubList(ctx, def, cust, id, parentID, def.Comments, "ModComments", &p)
	if err != nil {
		return l.res, err
	}
	res, s, field, desc := l.res, l.schema, l.field, l.desc
	var where vtiger.Cond = vtiger.Eq("related_to", id)
	if s.Has("is_private") {
		// Private comments are filtered in the query, so pages and the
		// count see the same thread.
		where = vtiger.And(where, vtiger.Ne("is_private", "1"))
	}
	q := vtiger.NewSelect().From("ModComments").Where(where)
	if field != "" {
		q = q.OrderBy(field, desc)
	}
	rows, count, err := st.commentPage(ctx, q, where, p)
	if err != nil {
		return ListResult{Data: []vtiger.Record{}, Page: p.Page, Size: p.Size}, err
	}
	res.Count = count
	if field != "" {
		// Comments of one second tie on createdtime; within the page the
		// later record (higher id) counts as the newer one.
		sortTies(rows, field, desc)
	}
	var contactIDs, userIDs []string
	// The customer's own comments carry the session's name, as AddComment
	// answers them; no query for the reader's own contact.
	self := cust.ContactID != "" && (cust.FirstName != "" || cust.LastName != "")
	visible := rows[:0]
	for _, r := range rows {
		if r.String("is_private") == "1" {
			continue // a CRM that ignored the condition still never leaks one
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
		return res, err
	}
	if self {
		authors[cust.ContactID] = Author{ID: cust.ContactID, FirstName: cust.FirstName, LastName: cust.LastName, Email: cust.Email}
	}
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
		rec["author"] = a.withAvatar()
		res.Data = append(res.Data, rec)
	}
	return res, nil
}

// commentPage reads one page of a thread and its total. A first page
// shorter than the page size is the whole thread, so most threads cost one
// query; a longer one also needs the (cached) count, read beside the page.
func (st *store) commentPage(ctx context.Context, q *vtiger.Select, where vtiger.Cond, p ListParams) ([]vtiger.Record, int, error) {
	page := q.Limit((p.Page-1)*p.Size, p.Size)
	if p.Page == 1 {
		rows, err := st.c.Query(ctx, page)
		if err != nil {
			return nil, 0, vtiger.DomainError(err, "comment")
		}
		if len(rows) < p.Size {
			return rows, len(rows), nil
		}
		n, err := st.count(ctx, "ModComments", where)
		return rows, n, err
	}
	var rows []vtiger.Record
	var n int
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		rows, err = st.c.Query(gctx, page)
		return vtiger.DomainError(err, "comment")
	})
	g.Go(func() (err error) {
		n, err = st.count(gctx, "ModComments", where)
		return err
	})
	return rows, n, g.Wait()
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
			rows, err := st.c.QueryAll(gctx, vtiger.NewSelect("firstname", "lastname", "email").From("Contacts").Where(vtiger.In("id", contactIDs...)), len(contactIDs))
			if err != nil {
				return vtiger.DomainError(err, "comment author")
			}
			contacts = rows
			return nil
		})
	}
	if len(missing) > 0 {
		g.Go(func() error {
			rows, err := st.c.QueryAll(gctx, vtiger.NewSelect("first_name", "last_name", "email1").From("Users").Where(vtiger.In("id", missing...)), len(missing))
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
	// The thread's cached count (and the dashboard) must show it at once.
	st.cache.Invalidate(Change{Module: "ModComments"})
	rec := s.Type(raw, false, nil)
	rec["author"] = Author{ID: cust.ContactID, FirstName: cust.FirstName, LastName: cust.LastName, Email: cust.Email}.withAvatar()
	return rec, nil
}

// Documents lists one page of the Documents related to an in-scope record,
// newest first unless p.Sort says otherwise. retrieve_related has no
// paging, so the page is cut from the related set here (which has no row
// ceiling either).
func (st *store) Documents(ctx context.Context, def *Module, cust domain.Customer, id, parentID string, p ListParams) (ListResult, error) {
	l, err := st.openSubList(ctx, def, cust, id, parentID, def.Documents, "Documents", &p)
	if err != nil {
		return l.res, err
	}
	res, field, desc := l.res, l.field, l.desc
	all, err := st.relatedDocuments(ctx, id)
	if err != nil {
		return res, err
	}
	if field != "" {
		sort.SliceStable(all, func(i, j int) bool {
			c := compareValues(all[i][field], all[j][field])
			if c == 0 {
				c = cmp.Compare(recordNumber(all[i].String("id")), recordNumber(all[j].String("id")))
			}
			if desc {
				return c > 0
			}
			return c < 0
		})
	}
	res.Count = len(all)
	if from := (p.Page - 1) * p.Size; from < len(all) {
		res.Data = all[from:min(from+p.Size, len(all))]
	}
	return res, nil
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
	return typeAll(s, false, rows), nil
}

// sortTies orders the runs of equal field values of a page Vtiger already
// sorted by field by record number, in the requested direction, so
// records of one second (comments, uploads) come in a stable order.
func sortTies(rows []vtiger.Record, field string, desc bool) {
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].String(field) == rows[i].String(field) {
			j++
		}
		run := rows[i:j]
		sort.SliceStable(run, func(a, b int) bool {
			c := cmp.Compare(recordNumber(run[a].String("id")), recordNumber(run[b].String("id")))
			if desc {
				return c > 0
			}
			return c < 0
		})
		i = j
	}
}

// recordNumber is the record part of a webservice id ("30x151" → 151).
func recordNumber(id string) int {
	_, n, _ := strings.Cut(id, "x")
	v, _ := strconv.Atoi(n)
	return v
}

// compareValues orders two typed values of one field (numbers as numbers,
// everything else, RFC 3339 times included, as text).
func compareValues(a, b any) int {
	if x, ok := a.(float64); ok {
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
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
	i := slices.IndexFunc(docs, func(d vtiger.Record) bool { return hasAttachment(d.String("imageattachmentids"), attachmentID) })
	if i < 0 {
		return nil, domain.NotFound("file")
	}
	files, err := st.c.RetrieveFiles(ctx, attachmentID)
	if err != nil {
		return nil, vtiger.DomainError(err, "file")
	}
	if len(files) == 0 {
		return nil, domain.NotFound("file")
	}
	st.countDownload(ctx, docs[i])
	f := files[0]
	return &File{ID: f.ID, Name: f.Name, MIMEType: f.MIMEType, Size: f.Size, Content: f.Content}, nil
}

// countDownload increments a Document's filedownloadcount after a
// successful download, as Vtiger's own portal does. The count is
// bookkeeping: a failed revise (a read-only CRM user, a CRM hiccup) is
// logged and never fails the download; a client that hung up still counts.
// Two downloads at once may count once (read, then write): the webservice
// has no atomic increment.
//
// Stock Vtiger saves only displaytype 1 and 3 fields on revise, and
// filedownloadcount is displaytype 2: the revise succeeds and the count
// stays. The first answer that shows so is logged once and the portal
// stops sending a write the CRM drops.
func (st *store) countDownload(ctx context.Context, doc vtiger.Record) {
	if st.downloadCountIgnored.Load() {
		return
	}
	id := doc.String("id")
	n, _ := strconv.Atoi(strings.TrimSpace(doc.String("filedownloadcount")))
	want := strconv.Itoa(n + 1)
	ctx = context.WithoutCancel(ctx)
	got, err := st.c.Revise(ctx, map[string]any{"id": id, "filedownloadcount": want})
	if err != nil {
		st.log.WarnContext(ctx, "counting a document download", "document", id, "err", err)
		return
	}
	st.cache.Invalidate(Change{Module: "Documents", ID: id})
	if strings.TrimSpace(got.String("filedownloadcount")) != want && st.downloadCountIgnored.CompareAndSwap(false, true) {
		st.log.WarnContext(ctx, "the CRM does not store document download counts through the webservice (filedownloadcount is read-only on stock Vtiger); downloads are no longer counted", "document", id)
	}
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
