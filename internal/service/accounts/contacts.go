package accounts

import (
	"context"
	"encoding/base64"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// VtigerClient is the part of the vtiger client the Contacts access uses.
type VtigerClient interface {
	Query(ctx context.Context, q *vtiger.Select) ([]vtiger.Record, error)
	QueryAll(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, error)
	Retrieve(ctx context.Context, id string) (vtiger.Record, error)
	Revise(ctx context.Context, element map[string]any) (vtiger.Record, error)
	RetrieveFiles(ctx context.Context, attachmentID string) ([]vtiger.File, error)
}

var _ VtigerClient = (*vtiger.Client)(nil)

// VtigerContacts reads and writes the Contacts and Accounts behind portal
// users. It returns plain maps (Vtiger's string-valued JSON) and domain
// errors; the service never sees vtiger types.
type VtigerContacts struct {
	c          VtigerClient
	emailField string
}

var _ Contacts = (*VtigerContacts)(nil)

// maxColleagues bounds the colleagues list: an organisation with more
// contacts than this is not a dashboard widget any more.
const maxColleagues = 500

// imageConcurrency bounds parallel files_retrieve calls for avatars,
// so one dashboard does not occupy the whole Vtiger session pool.
const imageConcurrency = 2

// colleagueFields are the fields a colleague list reads; Vtiger always
// returns id, the rest are the public ones (plus the avatar name).
var colleagueFields = []string{"id", "firstname", "lastname", "title", "email", "imagename"}

// NewVtigerContacts returns the Contacts access on c; emailField is the
// login e-mail field (vtiger.business.emailField).
func NewVtigerContacts(c VtigerClient, emailField string) *VtigerContacts {
	return &VtigerContacts{c: c, emailField: emailField}
}

// ContactsByEmail returns the Contacts whose login e-mail equals email,
// ignoring letter case. VTQL `=` is case-insensitive on MySQL already; the
// Go comparison keeps that true for any backend.
func (r *VtigerContacts) ContactsByEmail(ctx context.Context, email string) ([]map[string]any, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	q := vtiger.NewSelect().From("Contacts").Where(vtiger.Eq(r.emailField, email)).Limit(0, 100)
	recs, err := r.c.Query(ctx, q)
	if err != nil {
		return nil, vtiger.DomainError(err, "contact")
	}
	out := make([]map[string]any, 0, len(recs))
	for _, rec := range recs {
		if strings.EqualFold(strings.TrimSpace(rec.String(r.emailField)), email) {
			out = append(out, map[string]any(rec))
		}
	}
	return out, nil
}

// Contact retrieves one Contact; a missing one is ENOTFOUND.
func (r *VtigerContacts) Contact(ctx context.Context, id string) (map[string]any, error) {
	return r.retrieve(ctx, id, "contact")
}

// Account retrieves one Account (organisation); a missing one is ENOTFOUND.
func (r *VtigerContacts) Account(ctx context.Context, id string) (map[string]any, error) {
	return r.retrieve(ctx, id, "account")
}

func (r *VtigerContacts) retrieve(ctx context.Context, id, what string) (map[string]any, error) {
	if !vtiger.ValidID(id) {
		return nil, domain.NotFound(what)
	}
	rec, err := r.c.Retrieve(ctx, id)
	if err != nil {
		return nil, vtiger.DomainError(err, what)
	}
	return map[string]any(rec), nil
}

// ReviseContact writes fields (partial update) to the Contact and returns
// the record as Vtiger stored it.
func (r *VtigerContacts) ReviseContact(ctx context.Context, id string, fields map[string]any) (map[string]any, error) {
	if !vtiger.ValidID(id) {
		return nil, domain.NotFound("contact")
	}
	el := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		el[k] = v
	}
	el["id"] = id
	rec, err := r.c.Revise(ctx, el)
	if err != nil {
		return nil, vtiger.DomainError(err, "contact")
	}
	return map[string]any(rec), nil
}

// AccountContacts returns the Contacts of an Account with the public
// colleague fields, in one query (no per-contact retrieve).
func (r *VtigerContacts) AccountContacts(ctx context.Context, accountID string) ([]map[string]any, error) {
	if !vtiger.ValidID(accountID) {
		return []map[string]any{}, nil
	}
	q := vtiger.NewSelect(colleagueFields[1:]...).From("Contacts").
		Where(vtiger.Eq("account_id", accountID))
	recs, err := r.c.QueryAll(ctx, q, maxColleagues)
	if err != nil {
		return nil, vtiger.DomainError(err, "contacts")
	}
	out := make([]map[string]any, 0, len(recs))
	for _, rec := range recs {
		out = append(out, map[string]any(rec))
	}
	return out, nil
}

// ContactImage returns the base64 content of an avatar attachment ("" when
// the attachment has no file).
func (r *VtigerContacts) ContactImage(ctx context.Context, attachmentID string) (string, error) {
	attachmentID = firstAttachment(attachmentID)
	if attachmentID == "" {
		return "", nil
	}
	files, err := r.c.RetrieveFiles(ctx, attachmentID)
	if err != nil {
		return "", vtiger.DomainError(err, "image")
	}
	for _, f := range files {
		if len(f.Content) > 0 {
			return base64.StdEncoding.EncodeToString(f.Content), nil
		}
	}
	return "", nil
}

// ContactImages fetches the avatars of many Contacts with bounded
// concurrency. A query cannot return imageattachmentids (it is computed by
// retrieve), so callers pass only contacts whose imagename is set, which
// keeps the extra calls to those that really have a picture. Failures leave
// that entry out: an avatar is decoration, not worth failing a list for.
// The result maps contact id → base64.
func (r *VtigerContacts) ContactImages(ctx context.Context, contactIDs []string) map[string]string {
	results := make([]string, len(contactIDs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(imageConcurrency)
	for i, id := range contactIDs {
		g.Go(func() error {
			c, err := r.Contact(gctx, id)
			if err != nil {
				return nil
			}
			att, _ := c["imageattachmentids"].(string)
			if img, err := r.ContactImage(gctx, att); err == nil {
				results[i] = img
			}
			return nil
		})
	}
	_ = g.Wait()
	out := make(map[string]string, len(contactIDs))
	for i, id := range contactIDs {
		if results[i] != "" {
			out[id] = results[i]
		}
	}
	return out
}

// firstAttachment picks the first id of an imageattachmentids value,
// which Vtiger fills as "15x22" or as a ";"-separated list.
func firstAttachment(v string) string {
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
		if vtiger.ValidID(p) {
			return p
		}
	}
	return ""
}
