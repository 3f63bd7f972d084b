package domain

import "time"

// Activity is one entry of the trail of portal writes: who changed what,
// through which route, when and from where. Entries are append-only.
type Activity struct {
	ID        int64
	CreatedAt time.Time
	UserID    int64
	Email     string
	Name      string
	ContactID string
	AccountID string // "" when the contact has no organisation
	Method    string
	Route     string // chi route pattern without the /api/v1 prefix
	Module    string
	Action    string
	RecordID  string
	Changes   []FieldChange
	Status    int
	ClientIP  string
	RequestID string
}

// FieldChange is one changed field of a write. A secret (password, OTP
// code, token, image content) is only marked Redacted: its value is never kept.
type FieldChange struct {
	Field    string `json:"field"`
	Old      any    `json:"old,omitempty"`
	New      any    `json:"new,omitempty"`
	Redacted bool   `json:"redacted,omitempty"`
}

// Personal activity modules: entries about one portal user's own account,
// which colleagues of the same organisation do not see.
const (
	ActivityProfile       = "Profile"
	ActivitySettings      = "Settings"
	ActivitySecurity      = "Security"
	ActivityMyDocuments   = "MyDocuments"
	ActivityLeads         = "Leads"
	ActivityNotifications = "Notifications"
)

// PersonalActivityModules lists the modules above.
var PersonalActivityModules = []string{ActivityProfile, ActivitySettings, ActivitySecurity,
	ActivityMyDocuments, ActivityLeads, ActivityNotifications}

// ActivityQuery selects trail entries. With Scoped, only entries of
// AccountID are returned (of ContactID alone when AccountID is ""), and
// entries of PrivateModules only when ContactID wrote them.
type ActivityQuery struct {
	Scoped         bool
	AccountID      string
	ContactID      string
	PrivateModules []string

	RecordID string
	Email    string    // operators: case-insensitive match
	Since    time.Time // zero = no lower bound
	Limit    int
	Offset   int
}
