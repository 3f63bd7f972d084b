package crm

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// ContactRepo reads and writes the Contacts and Accounts behind portal
// users. It returns plain maps (Vtiger's string-valued JSON) and domain
// errors; callers never see vtiger types.
type ContactRepo struct {
	c          *vtiger.Client
	emailField string
}

// ContactConfig names the configurable Contact fields the repository uses.
type ContactConfig struct {
	EmailField string // login e-mail field, default "email"
}

// contactMaxColleagues bounds the colleagues list: an organisation with more
// contacts than this is not a dashboard widget any more.
const contactMaxColleagues = 500

// contactImageConcurrency bounds parallel files_retrieve calls for avatars,
// so one dashboard does not occupy the whole Vtiger session pool.
const contactImageConcurrency = 2

// ContactColleagueFields are the fields a colleague list reads; Vtiger
// always returns id, the rest are the public ones (plus the avatar name).
var ContactColleagueFields = []string{"id", "firstname", "lastname", "title", "email", "imagename"}

// NewContactRepo returns a repository on c.
func NewContactRepo(c *vtiger.Client, cfg ContactConfig) *ContactRepo {
	if cfg.EmailField == "" {
		cfg.EmailField = "email"
	}
	return &ContactRepo{c: c, emailField: cfg.EmailField}
}

// ContactsByEmail returns the Contacts whose login e-mail equals email,
// ignoring letter case. VTQL `=` is case-insensitive on MySQL already; the
// Go comparison keeps that true for any backend.
func (r *ContactRepo) ContactsByEmail(ctx context.Context, email string) ([]map[string]any, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	q := vtiger.NewSelect().From("Contacts").Where(vtiger.Eq(r.emailField, email)).Limit(0, 100)
	recs, err := r.c.Query(ctx, q)
	if err != nil {
		return nil, contactErr(err, "contact")
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
func (r *ContactRepo) Contact(ctx context.Context, id string) (map[string]any, error) {
	return r.retrieve(ctx, id, "contact")
}

// Account retrieves one Account (organisation); a missing one is ENOTFOUND.
func (r *ContactRepo) Account(ctx context.Context, id string) (map[string]any, error) {
	return r.retrieve(ctx, id, "account")
}

func (r *ContactRepo) retrieve(ctx context.Context, id, what string) (map[string]any, error) {
	if !vtiger.ValidID(id) {
		return nil, domain.NotFound(what)
	}
	rec, err := r.c.Retrieve(ctx, id)
	if err != nil {
		return nil, contactErr(err, what)
	}
	return map[string]any(rec), nil
}

// ReviseContact writes fields (partial update) to the Contact and returns
// the record as Vtiger stored it.
func (r *ContactRepo) ReviseContact(ctx context.Context, id string, fields map[string]any) (map[string]any, error) {
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
		return nil, contactErr(err, "contact")
	}
	return map[string]any(rec), nil
}

// AccountContacts returns the Contacts of an Account with the public
// colleague fields, in one query (no per-contact retrieve).
func (r *ContactRepo) AccountContacts(ctx context.Context, accountID string) ([]map[string]any, error) {
	if !vtiger.ValidID(accountID) {
		return []map[string]any{}, nil
	}
	q := vtiger.NewSelect(ContactColleagueFields[1:]...).From("Contacts").
		Where(vtiger.Eq("account_id", accountID))
	recs, err := r.c.QueryAll(ctx, q, contactMaxColleagues)
	if err != nil {
		return nil, contactErr(err, "contacts")
	}
	out := make([]map[string]any, 0, len(recs))
	for _, rec := range recs {
		out = append(out, map[string]any(rec))
	}
	return out, nil
}

// ContactImage returns the base64 content of an avatar attachment ("" when
// the attachment has no file).
func (r *ContactRepo) ContactImage(ctx context.Context, attachmentID string) (string, error) {
	attachmentID = contactFirstAttachment(attachmentID)
	if attachmentID == "" {
		return "", nil
	}
	files, err := r.c.RetrieveFiles(ctx, attachmentID)
	if err != nil {
		return "", contactErr(err, "image")
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
func (r *ContactRepo) ContactImages(ctx context.Context, contactIDs []string) map[string]string {
	results := make([]string, len(contactIDs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(contactImageConcurrency)
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

// contactFirstAttachment picks the first id of an imageattachmentids value,
// which Vtiger fills as "15x22" or as a ";"-separated list.
func contactFirstAttachment(v string) string {
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
		if vtiger.ValidID(p) {
			return p
		}
	}
	return ""
}

// contactErr turns vtiger failures into domain errors whose message is safe
// for customers; the cause stays for the log.
func contactErr(err error, what string) error {
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return err
	case vtiger.IsNotFound(err):
		return &domain.Error{Code: domain.ENOTFOUND, Message: what + " not found", Err: err}
	case errors.Is(err, vtiger.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return domain.Wrap(domain.ETIMEOUT, err, "the CRM did not answer in time")
	case errors.Is(err, vtiger.ErrUnavailable):
		return domain.Wrap(domain.EUNAVAILABLE, err, "the CRM is not reachable")
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", what, err)
	default:
		return domain.Wrap(domain.EUPSTREAM, err, "the CRM rejected the request")
	}
}
