package domain

import "time"

// Token scopes.
const (
	ScopeAuthentication = "authentication"
	ScopePasswordReset  = "password-reset"
)

// User is a portal account, stored in PostgreSQL and linked to one Vtiger Contact.
type User struct {
	ID           int64
	ContactID    string // Vtiger Contacts webservice id, e.g. "12x7"
	AccountID    string // Vtiger Accounts webservice id, "" when the contact has no organisation
	Email        string
	PasswordHash string // argon2id PHC string, or a bcrypt hash imported from the earlier backend
	FirstName    string
	LastName     string
	OTPSecret    []byte // AES-GCM encrypted TOTP secret; nil when none
	OTPEnabled   bool
	OTPVerified  bool
	IsActive     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Token is an opaque bearer token as stored: only the SHA-256 of the
// plaintext is kept.
type Token struct {
	Hash      []byte
	UserID    int64
	Scope     string
	Expiry    time.Time
	OTPPassed bool
	CreatedAt time.Time
}

// Customer is who is asking: the authenticated portal user as the data layer
// needs it for scoping. Every CRM read and write takes one.
type Customer struct {
	UserID    int64
	ContactID string
	AccountID string // "" when the contact has no organisation
	Email     string
	FirstName string
	LastName  string
}

// Session is an authenticated request's identity, resolved from a bearer token.
type Session struct {
	User       User
	Customer   Customer
	TokenHash  []byte
	OTPPending bool // the user has TOTP enabled and this token has not passed validation yet
}

// Avatar is a profile picture the portal keeps for a Vtiger Contact.
type Avatar struct {
	ContactID string
	Name      string
	MimeType  string // image/png, image/jpeg, image/gif or image/webp (sniffed, never trusted from the client)
	Content   []byte
	UpdatedAt time.Time
}
