package accounts

import (
	"bytes"
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
	g.Go(func() error { s.fillAvatar(gctx, u.ContactID, out); return nil })
	_ = g.Wait()
	return out, nil
}

// fillAvatar sets the picture: the portal's own copy first (what the
// customer uploaded), else Vtiger's attachment (a picture set in the CRM),
// else the placeholder. Failures only cost the picture.
func (s *Service) fillAvatar(ctx context.Context, contactID string, out *User) {
	a, err := s.d.Avatars.Get(ctx, contactID)
	switch {
	case err == nil:
		out.ImageContent = base64.StdEncoding.EncodeToString(a.Content)
		out.ImageName, out.Image, out.ImageType = a.Name, a.Name, a.MimeType
		return
	case !errors.Is(err, domain.ErrNotFound):
		s.log.WarnContext(ctx, "reading the stored avatar failed", "contact_id", contactID, "err", err)
	}
	if out.ImageAttachmentIDs != "" {
		img, err := s.d.Contacts.ContactImage(ctx, out.ImageAttachmentIDs)
		if err != nil {
			s.log.WarnContext(ctx, "reading the CRM avatar failed", "contact_id", contactID, "err", err)
		}
		out.ImageContent = img
	}
	if out.ImageContent == "" {
		out.ImageContent = domain.PlaceholderAvatar
	}
}

// UpdateProfile writes whitelisted Contact fields, the avatar and/or the
// password. An e-mail change keeps the portal login and the Contact in step.
func (s *Service) UpdateProfile(ctx context.Context, sess *domain.Session, in ProfileUpdate) (*User, error) {
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	fields, err := profileFields(in.Fields)
	if err != nil {
		return nil, err
	}
	newEmail, err := s.takeNewEmail(ctx, u, fields)
	if err != nil {
		return nil, err
	}
	avatar, err := s.newAvatar(ctx, u, in, fields)
	if err != nil {
		return nil, err
	}
	var revoked *int64
	if in.Password != "" || in.OldPassword != "" {
		n, err := s.changePassword(ctx, sess, u, in)
		if err != nil {
			return nil, err
		}
		revoked = &n
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
		if err := s.writeContact(ctx, u, fields, newEmail != ""); err != nil {
			return nil, err
		}
	}
	if avatar != nil {
		if err := s.d.Avatars.Put(ctx, *avatar); err != nil {
			return nil, fmt.Errorf("update profile: storing the avatar: %w", err)
		}
	}
	if u, err = s.d.Users.ByID(ctx, u.ID); err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	out, err := s.profileOf(ctx, u)
	if err != nil {
		return nil, err
	}
	if revoked != nil {
		out.SessionsRevoked = revoked
		out.Message = fmt.Sprintf("the password has been changed; %d other session(s) were logged out, this one stays logged in", *revoked)
	}
	return out, nil
}

// profileFields keeps the editable fields of in, trimmed and within their
// length limits; others are ignored.
func profileFields(in map[string]string) (map[string]any, error) {
	fields := map[string]any{}
	for k, v := range in {
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
	return fields, nil
}

// takeNewEmail removes "email" from fields and returns the new login
// address ("" when it does not change); a changed address goes back into
// fields under the configured CRM e-mail field.
func (s *Service) takeNewEmail(ctx context.Context, u *domain.User, fields map[string]any) (string, error) {
	v, ok := fields["email"]
	if !ok {
		return "", nil
	}
	delete(fields, "email")
	if v == "" || strings.EqualFold(v.(string), u.Email) {
		return "", nil
	}
	newEmail, err := normalizeEmail("email", v.(string))
	if err != nil {
		return "", err
	}
	other, err := s.d.Users.ByEmail(ctx, newEmail)
	if err == nil && other.ID != u.ID {
		return "", errEmailTaken
	} else if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return "", fmt.Errorf("update profile: %w", err)
	}
	fields[s.cfg.Vtiger.Business.EmailField] = newEmail
	return newEmail, nil
}

// newAvatar decodes an uploaded picture; nil when there is none or it is
// what the user already has. A new one also goes into fields for the CRM.
func (s *Service) newAvatar(ctx context.Context, u *domain.User, in ProfileUpdate, fields map[string]any) (*domain.Avatar, error) {
	if in.ImageContent == "" {
		return nil, nil
	}
	img, mime, err := decodeAvatar(in.ImageContent)
	if err != nil {
		return nil, err
	}
	// The form sends back what /users/my gave it: the placeholder or the
	// unchanged picture is not a new upload (and costs no CRM write).
	if domain.IsPlaceholderAvatar(img) || s.sameAvatar(ctx, u.ContactID, img) {
		return nil, nil
	}
	name := avatarName(in.ImageName, mime)
	// Vtiger's stock revise ignores image fields; a CRM with the
	// patched Revise.php (earlier backend README) and the simulator
	// store them. The portal's copy is what /users/my serves.
	fields["imagename"] = name
	fields["imagetype"] = mime
	fields["imagecontent"] = base64.StdEncoding.EncodeToString(img)
	return &domain.Avatar{ContactID: u.ContactID, Name: name, MimeType: mime, Content: img}, nil
}

// writeContact revises the Contact and caches changed names locally. When
// the CRM refuses and the login e-mail was already changed, the e-mail is
// put back so login and Contact stay in step.
func (s *Service) writeContact(ctx context.Context, u *domain.User, fields map[string]any, emailChanged bool) error {
	if _, err := s.reviseContact(ctx, u.ContactID, fields); err != nil {
		if emailChanged {
			if rerr := s.d.Users.UpdateEmail(context.WithoutCancel(ctx), u.ID, u.Email); rerr != nil {
				s.log.ErrorContext(ctx, "restoring the e-mail after a failed CRM update failed", "user_id", u.ID, "err", rerr)
			}
		}
		return fmt.Errorf("update profile: %w", err)
	}
	first, hasFirst := fields["firstname"]
	last, hasLast := fields["lastname"]
	if !hasFirst && !hasLast {
		return nil
	}
	f, l := u.FirstName, u.LastName
	if hasFirst {
		f = first.(string)
	}
	if hasLast {
		l = last.(string)
	}
	if err := s.d.Users.UpdateProfile(ctx, u.ID, f, l); err != nil {
		s.log.WarnContext(ctx, "caching names failed", "user_id", u.ID, "err", err)
	}
	return nil
}

// changePassword needs the old password and a matching confirmation. The
// session making the change stays valid; every other session of the user
// and every pending reset link is revoked; it returns how many logins went.
func (s *Service) changePassword(ctx context.Context, sess *domain.Session, u *domain.User, in ProfileUpdate) (int64, error) {
	if err := checkGivenPassword("old_password", in.OldPassword); err != nil {
		return 0, err
	}
	if err := s.checkNewPassword("password", in.Password); err != nil {
		return 0, err
	}
	if in.ConfirmPassword != in.Password {
		return 0, domain.Invalid("confirmPassword", "does not match the new password")
	}
	ok, err := s.passwords.check(ctx, u, in.OldPassword)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, domain.Invalid("old_password", "is not correct")
	}
	h, err := s.passwords.hash(in.Password)
	if err != nil {
		return 0, err
	}
	if err := s.d.Users.UpdatePassword(ctx, u.ID, h); err != nil {
		return 0, fmt.Errorf("change password: %w", err)
	}
	if _, err := s.d.Tokens.DeleteAllForUser(ctx, u.ID, domain.ScopePasswordReset); err != nil {
		return 0, fmt.Errorf("change password: revoking reset links: %w", err)
	}
	n, err := s.d.Tokens.DeleteOthersForUser(ctx, u.ID, domain.ScopeAuthentication, sess.TokenHash)
	if err != nil {
		return 0, fmt.Errorf("change password: revoking sessions: %w", err)
	}
	return n, nil
}

// sameAvatar reports whether contactID's stored picture is img already.
func (s *Service) sameAvatar(ctx context.Context, contactID string, img []byte) bool {
	a, err := s.d.Avatars.Get(ctx, contactID)
	return err == nil && bytes.Equal(a.Content, img)
}

// avatarTypes are the picture formats a browser renders from the
// frontend's data:image/png URL (browsers sniff image bytes), with the file
// extension the stored name gets.
var avatarTypes = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}

// decodeAvatar accepts a data URL or raw base64 and returns the bytes and
// their sniffed type (the declared imagetype is never trusted); PNG, JPEG,
// GIF and WebP pass. Over MaxAvatarBytes is ETOOLARGE (413).
func decodeAvatar(v string) ([]byte, string, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "data:") {
		_, after, ok := strings.Cut(v, ",")
		if !ok || !strings.Contains(v[:len(v)-len(after)], ";base64") {
			return nil, "", domain.Invalid("imagecontent", "must be a base64 data URL")
		}
		v = after
	}
	tooLarge := &domain.Error{Code: domain.ETOOLARGE, Field: "imagecontent",
		Message: fmt.Sprintf("image must not be larger than %d KiB", MaxAvatarBytes>>10)}
	if base64.StdEncoding.DecodedLen(len(v)) > MaxAvatarBytes+3 {
		return nil, "", tooLarge
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return nil, "", domain.Invalid("imagecontent", "is not valid base64")
	}
	if len(b) > MaxAvatarBytes {
		return nil, "", tooLarge
	}
	mime := http.DetectContentType(b)
	if _, ok := avatarTypes[mime]; !ok {
		return nil, "", domain.Invalid("imagecontent", "image must be PNG, JPEG, GIF or WebP")
	}
	return b, mime, nil
}

// avatarName is the client's file name without directories, at most 100
// characters, with the extension of the sniffed type.
func avatarName(name, mime string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/")) // C:\fakepath\me.png from a browser
	if name == "" || name == "." || name == "/" || utf8.RuneCountInString(name) > 100 {
		name = "avatar"
	}
	ext := avatarTypes[mime]
	if !strings.HasSuffix(strings.ToLower(name), ext) {
		name = strings.TrimSuffix(name, path.Ext(name)) + ext
	}
	return name
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
	imgs := s.colleagueAvatars(ctx, recs)
	for _, r := range recs {
		img := imgs[str(r, "id")]
		if img == "" {
			img = domain.PlaceholderAvatar
		}
		out = append(out, Colleague{
			CRMID: str(r, "id"), FirstName: str(r, "firstname"), LastName: str(r, "lastname"),
			Title: str(r, "title"), Email: str(r, s.cfg.Vtiger.Business.EmailField),
			ImageContent: img,
		})
	}
	return out, total, nil
}

// colleagueAvatars returns contact id → base64 picture for a page of
// contacts: the portal's copies in one query, then Vtiger's attachments only
// for the remaining contacts whose imagename is set.
func (s *Service) colleagueAvatars(ctx context.Context, recs []map[string]any) map[string]string {
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, str(r, "id"))
	}
	out := map[string]string{}
	stored, err := s.d.Avatars.Many(ctx, ids)
	if err != nil {
		s.log.WarnContext(ctx, "reading stored avatars failed", "err", err)
	}
	for id, a := range stored {
		out[id] = base64.StdEncoding.EncodeToString(a.Content)
	}
	var crmIDs []string
	for _, r := range recs {
		if id := str(r, "id"); out[id] == "" && str(r, "imagename") != "" {
			crmIDs = append(crmIDs, id)
		}
	}
	if len(crmIDs) > 0 {
		for id, img := range s.d.Contacts.ContactImages(ctx, crmIDs) {
			out[id] = img
		}
	}
	return out
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
