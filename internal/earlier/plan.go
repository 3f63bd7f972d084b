package earlier

import (
	"encoding/base32"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/payments"
)

// Skip reasons, shown in the summary. They name what an operator can fix
// in the earlier database (or in the portal) before running again.
const (
	reasonBadEmail        = "e-mail address is empty or invalid"
	reasonBadContact      = "crmid is not a Vtiger Contact id (like 12x34)"
	reasonBadAccount      = "account_id is not a Vtiger id (like 11x5)"
	reasonBadHash         = "password is not a bcrypt hash"
	reasonDupEmail        = "same e-mail (ignoring case) as an earlier row"
	reasonEmailTaken      = "e-mail belongs to the portal user of another Contact"
	reasonContactTaken    = "Contact already has a portal user with another e-mail"
	reasonOTPUserSkipped  = "the user was skipped"
	reasonOTPOffHere      = "2FA is off for this user in the portal (left alone)"
	reasonOTPEmpty        = "2FA turned off: the secret is empty"
	reasonOTPBad          = "2FA turned off: the secret is not base32"
	reasonNoContact       = "user_id (Contact id) is empty"
	reasonNoPortalUser    = "no portal user for the Contact"
	reasonDupNotification = "duplicate of an earlier row (same CRM id or content for the same user)"
	reasonNoStripeID      = "stripe_payment_id is empty"
	reasonDupStripeID     = "duplicate stripe_payment_id (the most recently updated row is kept)"
	reasonBadAmount       = "amount is missing, not a number or not positive"
	reasonBadCurrency     = "currency is not a 3-letter code"
	reasonBadStatus       = "status is not a known payment status (0-9)"
)

var (
	crmIDPattern    = regexp.MustCompile(`^[0-9]+x[0-9]+$`)
	currencyPattern = regexp.MustCompile(`^[a-z]{3}$`)
)

// pgUser is a portal user already in PostgreSQL.
type pgUser struct {
	ID               int64
	ContactID, Email string
	OTPEnabled       bool
}

type targetState struct {
	users         []pgUser
	notifications map[string]bool // notificationKey per existing user id
	payments      map[string]bool // stripe_payment_id
}

// portalUser is who a Contact id resolves to: an existing user (ID set
// from the start) or one this import inserts (ID set when written).
type portalUser struct {
	ID int64
}

type newUser struct {
	src    srcUser
	ref    *portalUser
	secret string // normalised TOTP secret to carry over; "" = 2FA off
}

type newNotification struct {
	src  srcNotification
	user *portalUser
}

type newPayment struct {
	src    srcPayment
	user   *portalUser // nil: no portal user (history is kept anyway)
	amount int64
}

type plan struct {
	now                                 time.Time
	users, otp, notifications, payments Table
	otpOff                              []OTPOff
	newUsers                            []*newUser
	newNotifications                    []newNotification
	newPayments                         []newPayment
}

func makePlan(d *sourceData, t *targetState, now time.Time) *plan {
	p := &plan{now: now,
		users: Table{Name: "users"}, otp: Table{Name: "otp"},
		notifications: Table{Name: "notifications"}, payments: Table{Name: "payments"}}
	byContact := p.planUsers(d.users, t.users)
	p.planNotifications(d.notifications, t.notifications, byContact)
	p.planPayments(d.payments, t.payments, byContact)
	return p
}

// trimUser drops the padding MySQL may return around an earlier user's
// fields.
func trimUser(u srcUser) srcUser {
	u.Email = strings.TrimSpace(u.Email)
	u.ContactID, u.AccountID = strings.TrimSpace(u.ContactID), strings.TrimSpace(u.AccountID)
	// CHAR(255) may come back space-padded (PAD_CHAR_TO_FULL_LENGTH).
	u.Password = strings.TrimSpace(u.Password)
	return u
}

// invalidUser is the reason an earlier user row cannot be carried over on
// its own ("" when it can).
func invalidUser(u srcUser) string {
	switch {
	case !validEmail(u.Email):
		return reasonBadEmail
	case !crmIDPattern.MatchString(u.ContactID):
		return reasonBadContact
	case u.AccountID != "" && !crmIDPattern.MatchString(u.AccountID):
		return reasonBadAccount
	case !isBcrypt(u.Password):
		return reasonBadHash
	}
	return ""
}

// planUsers matches each earlier user on both natural keys and returns
// the Contact → portal user map the other tables resolve through.
func (p *plan) planUsers(src []srcUser, existing []pgUser) map[string]*portalUser {
	byContact := map[string]*portalUser{}
	contactEmail := map[string]string{}
	emailOwner := map[string]string{} // lower(email) → contact id
	otpOn := map[string]bool{}        // contact id → 2FA on in the portal
	for _, u := range existing {
		byContact[u.ContactID] = &portalUser{ID: u.ID}
		otpOn[u.ContactID] = u.OTPEnabled
		contactEmail[u.ContactID] = strings.ToLower(u.Email)
		emailOwner[strings.ToLower(u.Email)] = u.ContactID
	}
	seen := map[string]bool{} // lower(email) of earlier rows planned so far
	for _, u := range src {
		p.users.Found++
		if u.OTPEnabled {
			p.otp.Found++
		}
		u = trimUser(u)
		email := strings.ToLower(u.Email)
		label := fmt.Sprintf("#%d %s", u.ID, u.Email)
		skip := func(reason string) {
			p.users.skip(reason, label)
			if u.OTPEnabled {
				p.otp.skip(reasonOTPUserSkipped, label)
			}
		}
		if reason := invalidUser(u); reason != "" {
			skip(reason)
			continue
		}
		if seen[email] {
			skip(reasonDupEmail)
			continue
		}
		seen[email] = true
		if _, ok := byContact[u.ContactID]; ok {
			if contactEmail[u.ContactID] == email {
				p.users.Present++
				switch {
				case u.OTPEnabled && otpOn[u.ContactID]:
					p.otp.Present++
				case u.OTPEnabled:
					// Not carried over by an earlier run, or turned off
					// since: an import never turns 2FA on for an
					// existing portal user.
					p.otp.skip(reasonOTPOffHere, label)
				}
				continue
			}
			// The Contact's notifications and payments still go to its
			// portal user: it stays in byContact.
			skip(reasonContactTaken)
			continue
		}
		if _, taken := emailOwner[email]; taken {
			skip(reasonEmailTaken)
			continue
		}
		nu := &newUser{src: u, ref: &portalUser{}}
		if u.OTPEnabled {
			secret, reason := normaliseSecret(u.OTPSecret)
			if reason != "" {
				p.otp.skip(reason, label)
				p.otpOff = append(p.otpOff, OTPOff{Email: u.Email, ContactID: u.ContactID, Reason: strings.TrimPrefix(reason, "2FA turned off: ")})
			} else {
				nu.secret = secret
				p.otp.Insert++
			}
		}
		p.users.Insert++
		p.newUsers = append(p.newUsers, nu)
		byContact[u.ContactID] = nu.ref
		contactEmail[u.ContactID] = email
		emailOwner[email] = u.ContactID
	}
	return byContact
}

func (p *plan) planNotifications(src []srcNotification, existing map[string]bool, byContact map[string]*portalUser) {
	seen := map[string]bool{}
	for _, n := range src {
		p.notifications.Found++
		n.ContactID, n.CRMID = strings.TrimSpace(n.ContactID), strings.TrimSpace(n.CRMID)
		label := fmt.Sprintf("#%d", n.ID)
		if n.ContactID == "" {
			p.notifications.skip(reasonNoContact, label)
			continue
		}
		u, ok := byContact[n.ContactID]
		if !ok {
			p.notifications.skip(reasonNoPortalUser, label+" "+n.ContactID)
			continue
		}
		content := notificationContent(n.CRMID, n.Module, n.Label, n.Description, n.CreatedAt)
		if seen[n.ContactID+"\x00"+content] {
			p.notifications.skip(reasonDupNotification, label)
			continue
		}
		seen[n.ContactID+"\x00"+content] = true
		if u.ID != 0 && existing[notificationKey(u.ID, content)] {
			p.notifications.Present++
			continue
		}
		p.notifications.Insert++
		p.newNotifications = append(p.newNotifications, newNotification{src: n, user: u})
	}
}

func (p *plan) planPayments(src []srcPayment, existing map[string]bool, byContact map[string]*portalUser) {
	// The earlier table does not keep stripe_payment_id unique; the row
	// updated last has the final status.
	winner := map[string]int64{}
	last := map[string]srcPayment{}
	for _, s := range src {
		if s.StripeID == "" {
			continue
		}
		w, ok := last[s.StripeID]
		if !ok || s.UpdatedAt.After(w.UpdatedAt) || (s.UpdatedAt.Equal(w.UpdatedAt) && s.ID > w.ID) {
			last[s.StripeID], winner[s.StripeID] = s, s.ID
		}
	}
	for _, s := range src {
		p.payments.Found++
		label := fmt.Sprintf("#%d %s", s.ID, s.StripeID)
		if s.StripeID == "" {
			p.payments.skip(reasonNoStripeID, fmt.Sprintf("#%d", s.ID))
			continue
		}
		if winner[s.StripeID] != s.ID {
			p.payments.skip(reasonDupStripeID, label)
			continue
		}
		if !currencyPattern.MatchString(s.Currency) {
			p.payments.skip(reasonBadCurrency, label)
			continue
		}
		amount, err := payments.ToMinor(s.Amount.String, s.Currency)
		if !s.Amount.Valid || err != nil || amount <= 0 {
			p.payments.skip(reasonBadAmount, label)
			continue
		}
		if !domain.PaymentStatus(s.Status).Valid() {
			p.payments.skip(reasonBadStatus, label)
			continue
		}
		if existing[s.StripeID] {
			p.payments.Present++
			continue
		}
		np := newPayment{src: s, amount: amount}
		if u, ok := byContact[strings.TrimSpace(s.ContactID)]; ok {
			np.user = u
		}
		p.payments.Insert++
		p.newPayments = append(p.newPayments, np)
	}
}

func (p *plan) report(applied bool) *Report {
	return &Report{Applied: applied,
		Tables: []Table{p.users, p.otp, p.notifications, p.payments},
		OTPOff: p.otpOff}
}

// notificationContent identifies a notification for one user: its CRM
// record when it has one (the unique key PostgreSQL enforces), else its
// content and time (rows typed into MySQL by hand often have no crmid).
func notificationContent(crmID, module, label, description string, created time.Time) string {
	if crmID != "" {
		return "crm\x00" + crmID
	}
	return "row\x00" + module + "\x00" + label + "\x00" + description + "\x00" + created.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

func notificationKey(userID int64, content string) string {
	return fmt.Sprintf("%d\x00%s", userID, content)
}

func validEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func isBcrypt(h string) bool {
	if !strings.HasPrefix(h, "$2a$") && !strings.HasPrefix(h, "$2b$") && !strings.HasPrefix(h, "$2y$") {
		return false
	}
	_, err := bcrypt.Cost([]byte(h))
	return err == nil && len(h) == 60
}

// normaliseSecret turns the earlier plain-text secret into the form our
// TOTP check takes (upper-case base32 without padding or spaces), or says
// why it cannot be carried over.
func normaliseSecret(s string) (secret, reason string) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(strings.TrimSpace(s)))
	if s == "" {
		return "", reasonOTPEmpty
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", reasonOTPBad
	}
	return s, ""
}
