package accounts

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// ProfileFields are the Contact fields a customer may change, with their
// maximum length in characters.
var ProfileFields = map[string]int{
	"firstname": 40, "lastname": 80, "email": maxEmailLen, "description": 5000,
	"title": 50, "department": 30, "phone": 50,
	"mailingstreet": 250, "mailingcity": 40, "mailingstate": 40, "mailingzip": 30,
	"mailingcountry": 40, "mailingpobox": 30,
	"otherstreet": 250, "othercity": 40, "otherstate": 50, "otherzip": 30,
	"othercountry": 40, "otherpobox": 30,
}

// MaxAvatarBytes caps a decoded avatar.
const MaxAvatarBytes = 512 << 10

// Profile returns the user with live Contact data, the account name and
// the avatar.
func (s *Service) Profile(ctx context.Context, sess *domain.Session) (*User, error) {
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return s.profileOf(ctx, u)
}

func (s *Service) profileOf(ctx context.Context, u *domain.User) (*User, error) {
	contact, err := s.cachedContact(ctx, u.ContactID)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	out := s.buildUser(u, contact)
	// The Contact may have moved to another organisation in the CRM; the
	// CRM is the truth, the local copy only serves scoping.
	if acc := str(contact, "account_id"); acc != u.AccountID {
		if err := s.d.Users.UpdateAccount(ctx, u.ID, acc); err != nil {
			s.log.WarnContext(ctx, "syncing the account id failed", "user_id", u.ID, "err", err)
		}
		out.AccountID = acc
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { s.fillAccountName(gctx, out); return nil })
	if out.ImageAttachmentIDs != "" {
		g.Go(func() error {
			img, err := s.d.Contacts.ContactImage(gctx, out.ImageAttachmentIDs)
			if err != nil {
				s.log.WarnContext(gctx, "reading the avatar failed", "contact_id", u.ContactID, "err", err)
				return nil
			}
			out.ImageContent = img
			return nil
		})
	}
	_ = g.Wait()
	return out, nil
}

// UpdateProfile writes whitelisted Contact fields, the avatar and/or the
// password. An e-mail change keeps the portal login and the Contact in step.
func (s *Service) UpdateProfile(ctx context.Context, sess *domain.Session, in ProfileUpdate) (*User, error) {
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	fields := map[string]any{}
	for k, v := range in.Fields {
		limit, ok := ProfileFields[k]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > limit {
			return nil, domain.Invalid(k, "must not be longer than %d characters", limit)
		}
		fields[k] = v
	}
	if v, ok := fields["lastname"]; ok && v == "" {
		return nil, domain.Invalid("lastname", "must not be empty")
	}
	newEmail := ""
	if v, ok := fields["email"]; ok {
		delete(fields, "email")
		if v != "" && !strings.EqualFold(v.(string), u.Email) {
			if newEmail, err = normalizeEmail("email", v.(string)); err != nil {
				return nil, err
			}
			other, err := s.d.Users.ByEmail(ctx, newEmail)
			if err == nil && other.ID != u.ID {
				return nil, errEmailTaken
			} else if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, fmt.Errorf("update profile: %w", err)
			}
			fields[s.cfg.Vtiger.Business.EmailField] = newEmail
		}
	}
	if in.ImageContent != "" {
		img, mime, err := decodeAvatar(in.ImageContent)
		if err != nil {
			return nil, err
		}
		name := path.Base(strings.TrimSpace(in.ImageName))
		if name == "" || name == "." || name == "/" || utf8.RuneCountInString(name) > 100 {
			name = "avatar"
		}
		ext := ".png"
		if mime == "image/jpeg" {
			ext = ".jpg"
		}
		if !strings.HasSuffix(strings.ToLower(name), ext) {
			name = strings.TrimSuffix(name, path.Ext(name)) + ext
		}
		// Vtiger's stock revise ignores image fields; a CRM with the patched
		// Revise.php (earlier backend README) and the simulator store them.
		fields["imagename"] = name
		fields["imagetype"] = mime
		fields["imagecontent"] = base64.StdEncoding.EncodeToString(img)
	}
	if in.Password != "" || in.OldPassword != "" {
		if err := s.changePassword(ctx, sess, u, in); err != nil {
			return nil, err
		}
	}
	if newEmail != "" {
		if err := s.d.Users.UpdateEmail(ctx, u.ID, newEmail); err != nil {
			if errors.Is(err, domain.ErrConflict) {
				return nil, errEmailTaken
			}
			return nil, fmt.Errorf("update profile: %w", err)
		}
	}
	if len(fields) > 0 {
		if _, err := s.reviseContact(ctx, u.ContactID, fields); err != nil {
			if newEmail != "" {
				// Keep login and Contact in step: undo the local change.
				if rerr := s.d.Users.UpdateEmail(context.WithoutCancel(ctx), u.ID, u.Email); rerr != nil {
					s.log.ErrorContext(ctx, "restoring the e-mail after a failed CRM update failed", "user_id", u.ID, "err", rerr)
				}
			}
			return nil, fmt.Errorf("update profile: %w", err)
		}
		_, hasFirst := fields["firstname"]
		_, hasLast := fields["lastname"]
		if hasFirst || hasLast {
			first, last := u.FirstName, u.LastName
			if hasFirst {
				first = fields["firstname"].(string)
			}
			if hasLast {
				last = fields["lastname"].(string)
			}
			if err := s.d.Users.UpdateProfile(ctx, u.ID, first, last); err != nil {
				s.log.WarnContext(ctx, "caching names failed", "user_id", u.ID, "err", err)
			}
		}
	}
	if u, err = s.d.Users.ByID(ctx, u.ID); err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	return s.profileOf(ctx, u)
}

// changePassword needs the old password and a matching confirmation. The
// session making the change stays valid; every other session of the user
// and every pending reset link is revoked.
func (s *Service) changePassword(ctx context.Context, sess *domain.Session, u *domain.User, in ProfileUpdate) error {
	if err := checkGivenPassword("old_password", in.OldPassword); err != nil {
		return err
	}
	if err := s.checkNewPassword("password", in.Password); err != nil {
		return err
	}
	if in.ConfirmPassword != in.Password {
		return domain.Invalid("confirmPassword", "does not match the new password")
	}
	ok, err := s.checkPassword(ctx, u, in.OldPassword)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Invalid("old_password", "is not correct")
	}
	h, err := HashPassword(in.Password, s.params)
	if err != nil {
		return err
	}
	if err := s.d.Users.UpdatePassword(ctx, u.ID, h); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if _, err := s.d.Tokens.DeleteOthersForUser(ctx, u.ID, "", sess.TokenHash); err != nil {
		return fmt.Errorf("change password: revoking sessions: %w", err)
	}
	return nil
}

// decodeAvatar accepts a data URL or raw base64 and returns the bytes and
// sniffed type; only PNG and JPEG pass.
func decodeAvatar(v string) ([]byte, string, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "data:") {
		_, after, ok := strings.Cut(v, ",")
		if !ok || !strings.Contains(v[:len(v)-len(after)], ";base64") {
			return nil, "", domain.Invalid("imagecontent", "must be a base64 data URL")
		}
		v = after
	}
	if base64.StdEncoding.DecodedLen(len(v)) > MaxAvatarBytes+3 {
		return nil, "", domain.Invalid("imagecontent", "image must not be larger than %d KiB", MaxAvatarBytes>>10)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return nil, "", domain.Invalid("imagecontent", "is not valid base64")
	}
	if len(b) > MaxAvatarBytes {
		return nil, "", domain.Invalid("imagecontent", "image must not be larger than %d KiB", MaxAvatarBytes>>10)
	}
	mime := http.DetectContentType(b)
	if mime != "image/png" && mime != "image/jpeg" {
		return nil, "", domain.Invalid("imagecontent", "image must be PNG or JPEG")
	}
	return b, mime, nil
}

// Account returns the organisation of the user; ENOTFOUND without one.
func (s *Service) Account(ctx context.Context, sess *domain.Session) (map[string]any, error) {
	if sess.Customer.AccountID == "" {
		return nil, domain.NotFound("account")
	}
	acc, err := s.cachedAccount(ctx, sess.Customer.AccountID)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	return acc, nil
}

// Colleagues lists the other Contacts of the user's Account (one CRM
// query; avatars only for the page's contacts that have one, with bounded
// concurrency), paged in memory.
func (s *Service) Colleagues(ctx context.Context, sess *domain.Session, page, size int) ([]Colleague, int, error) {
	if sess.Customer.AccountID == "" {
		return []Colleague{}, 0, nil
	}
	// Kept per account, contact and page for the profile TTL: the
	// dashboard asks on every visit and the list changes rarely.
	type colleagues struct {
		list  []Colleague
		total int
	}
	key := colleaguesPrefix + sess.Customer.AccountID + "|" + sess.Customer.ContactID + "|" + strconv.Itoa(page) + "|" + strconv.Itoa(size)
	v, err := s.crm.getAny(ctx, key, func(ctx context.Context) (any, error) {
		list, total, err := s.colleagues(ctx, sess, page, size)
		return colleagues{list, total}, err
	})
	if err != nil {
		return nil, 0, err
	}
	c := v.(colleagues)
	return slices.Clone(c.list), c.total, nil
}

// colleagues is Colleagues without the cache.
func (s *Service) colleagues(ctx context.Context, sess *domain.Session, page, size int) ([]Colleague, int, error) {
	out := []Colleague{}
	recs, err := s.d.Contacts.AccountContacts(ctx, sess.Customer.AccountID)
	if err != nil {
		return nil, 0, fmt.Errorf("colleagues: %w", err)
	}
	recs = slices.DeleteFunc(recs, func(r map[string]any) bool { return str(r, "id") == sess.Customer.ContactID })
	total := len(recs)
	lo := min((page-1)*size, total)
	hi := min(lo+size, total)
	recs = recs[lo:hi]
	var ids []string
	for _, r := range recs {
		if str(r, "imagename") != "" {
			ids = append(ids, str(r, "id"))
		}
	}
	imgs := map[string]string{}
	if len(ids) > 0 {
		imgs = s.d.Contacts.ContactImages(ctx, ids)
	}
	for _, r := range recs {
		out = append(out, Colleague{
			CRMID: str(r, "id"), FirstName: str(r, "firstname"), LastName: str(r, "lastname"),
			Title: str(r, "title"), Email: str(r, s.cfg.Vtiger.Business.EmailField),
			ImageContent: imgs[str(r, "id")],
		})
	}
	return out, total, nil
}

// Settings returns the configured checkbox fields of the Contact.
func (s *Service) Settings(ctx context.Context, sess *domain.Session) (map[string]bool, error) {
	c, err := s.d.Contacts.Contact(ctx, sess.Customer.ContactID)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return s.settingsOf(c), nil
}

// settingsOf reads the configured checkbox fields of contact c.
func (s *Service) settingsOf(c map[string]any) map[string]bool {
	out := make(map[string]bool, len(s.cfg.Vtiger.Business.UserSettingsFields))
	for _, f := range s.cfg.Vtiger.Business.UserSettingsFields {
		out[f] = truthy(c, f)
	}
	return out
}

// UpdateSettings writes the supplied settings in one revise; a key that
// is not configured is a 422.
func (s *Service) UpdateSettings(ctx context.Context, sess *domain.Session, in map[string]bool) (map[string]bool, error) {
	if len(in) == 0 {
		return nil, domain.Invalid("settings", "at least one setting must be provided")
	}
	fields := make(map[string]any, len(in))
	for k, v := range in {
		if !slices.Contains(s.cfg.Vtiger.Business.UserSettingsFields, k) {
			return nil, domain.Invalid(k, "is not a known setting")
		}
		if v {
			fields[k] = "1"
		} else {
			fields[k] = "0"
		}
	}
	c, err := s.reviseContact(ctx, sess.Customer.ContactID, fields)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return s.settingsOf(c), nil
}
