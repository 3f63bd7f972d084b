package accounts

import (
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// User is the portal user as the API returns it (contract §6 / earlier
// backend Appendix A): the Postgres account merged with the live Contact.
type User struct {
	ID                 int64     `json:"id"`
	CRMID              string    `json:"crmid"`
	Email              string    `json:"email"`
	FirstName          string    `json:"firstname"`
	LastName           string    `json:"lastname"`
	Description        string    `json:"description"`
	AccountID          string    `json:"account_id"`
	AccountName        string    `json:"account_name"`
	Title              string    `json:"title"`
	Department         string    `json:"department"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	IsActive           bool      `json:"is_active"`
	MailingCity        string    `json:"mailingcity"`
	MailingStreet      string    `json:"mailingstreet"`
	MailingCountry     string    `json:"mailingcountry"`
	MailingState       string    `json:"mailingstate"`
	MailingPOBox       string    `json:"mailingpobox"`
	MailingZip         string    `json:"mailingzip"`
	OtherCity          string    `json:"othercity"`
	OtherStreet        string    `json:"otherstreet"`
	OtherCountry       string    `json:"othercountry"`
	OtherState         string    `json:"otherstate"`
	OtherPOBox         string    `json:"otherpobox"`
	OtherZip           string    `json:"otherzip"`
	Image              string    `json:"image"`
	ImageAttachmentIDs string    `json:"imageattachmentids"`
	ImageContent       string    `json:"imagecontent"` // base64, no data-URL prefix
	ImageName          string    `json:"imagename"`
	ImageType          string    `json:"imagetype"`
	Phone              string    `json:"phone"`
	AssignedUserID     string    `json:"assigned_user_id"`
	OTPEnabled         bool      `json:"otp_enabled"`
	OTPVerified        bool      `json:"otp_verified"`
	// RecoveryCodes is set once, in the answer of /otp/verify.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
	// SessionsRevoked and Message are set only in the answer of a password
	// change: how many other logins of the user were logged out (this one
	// stays valid).
	SessionsRevoked *int64 `json:"sessions_revoked,omitempty"`
	Message         string `json:"message,omitempty"`
}

// LoginResult is the bare login answer {id, token, expiry, otp_enabled}.
type LoginResult struct {
	ID         int64     `json:"id"`
	Token      string    `json:"token"`
	Expiry     time.Time `json:"expiry"`
	OTPEnabled bool      `json:"otp_enabled"`
}

// Colleague is a Contact of the same Account, public fields only.
type Colleague struct {
	CRMID        string `json:"crmid"`
	FirstName    string `json:"firstname"`
	LastName     string `json:"lastname"`
	Title        string `json:"title"`
	Email        string `json:"email"`
	ImageContent string `json:"imagecontent"`
}

// OTPKey is the answer of /otp/generate.
type OTPKey struct {
	Base32     string `json:"base32"`
	OTPAuthURL string `json:"otpauth_url"`
}

// Registration is the sign-up input.
type Registration struct {
	Email    string
	Code     string
	Password string
}

// ProfileUpdate is PUT /users/my. Nil fields were not sent. The password
// fields change the password when Password is set.
type ProfileUpdate struct {
	Fields          map[string]string // whitelisted Contact fields → value
	ImageName       string
	ImageContent    string // "" or a data URL / raw base64 of a PNG or JPEG
	OldPassword     string
	Password        string
	ConfirmPassword string
}

// buildUser merges the account row with the Contact (nil when the CRM was
// not asked).
func (s *Service) buildUser(u *domain.User, c map[string]any) *User {
	out := &User{
		ID:          u.ID,
		CRMID:       u.ContactID,
		Email:       u.Email,
		FirstName:   u.FirstName,
		LastName:    u.LastName,
		AccountID:   u.AccountID,
		CreatedAt:   u.CreatedAt.UTC(),
		UpdatedAt:   u.UpdatedAt.UTC(),
		IsActive:    u.IsActive,
		OTPEnabled:  u.OTPEnabled,
		OTPVerified: u.OTPVerified,
	}
	if c == nil {
		return out
	}
	if v := str(c, "firstname"); v != "" {
		out.FirstName = v
	}
	if v := str(c, "lastname"); v != "" {
		out.LastName = v
	}
	out.Description = str(c, "description")
	out.Title = str(c, "title")
	out.Department = str(c, "department")
	out.MailingCity = str(c, "mailingcity")
	out.MailingStreet = str(c, "mailingstreet")
	out.MailingCountry = str(c, "mailingcountry")
	out.MailingState = str(c, "mailingstate")
	out.MailingPOBox = str(c, "mailingpobox")
	out.MailingZip = str(c, "mailingzip")
	out.OtherCity = str(c, "othercity")
	out.OtherStreet = str(c, "otherstreet")
	out.OtherCountry = str(c, "othercountry")
	out.OtherState = str(c, "otherstate")
	out.OtherPOBox = str(c, "otherpobox")
	out.OtherZip = str(c, "otherzip")
	out.Image = str(c, "imagename")
	out.ImageName = str(c, "imagename")
	out.ImageAttachmentIDs = str(c, "imageattachmentids")
	out.Phone = str(c, "phone")
	out.AssignedUserID = str(c, "assigned_user_id")
	return out
}
