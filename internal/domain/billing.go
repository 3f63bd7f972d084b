package domain

import "time"

// PaymentStatus is the numeric payment state stored in payments.status.
// The numbers are kept from the earlier backend because the frontend shows
// them through the i18n key payments.status.<n>.
type PaymentStatus int

// Payment statuses. Values are persisted and rendered by the frontend:
// never renumber them.
const (
	PaymentPending               PaymentStatus = 0
	PaymentSucceeded             PaymentStatus = 1
	PaymentCancelled             PaymentStatus = 2
	PaymentProcessing            PaymentStatus = 3
	PaymentRequiresAction        PaymentStatus = 4
	PaymentRequiresCapture       PaymentStatus = 5
	PaymentRequiresConfirmation  PaymentStatus = 6
	PaymentRequiresPaymentMethod PaymentStatus = 7
	PaymentCreated               PaymentStatus = 8
	PaymentFailed                PaymentStatus = 9
)

var paymentStatusNames = [...]string{
	PaymentPending:               "pending",
	PaymentSucceeded:             "succeeded",
	PaymentCancelled:             "canceled",
	PaymentProcessing:            "processing",
	PaymentRequiresAction:        "requires_action",
	PaymentRequiresCapture:       "requires_capture",
	PaymentRequiresConfirmation:  "requires_confirmation",
	PaymentRequiresPaymentMethod: "requires_payment_method",
	PaymentCreated:               "created",
	PaymentFailed:                "failed",
}

// String returns the Stripe-style name of the status.
func (s PaymentStatus) String() string {
	if s >= 0 && int(s) < len(paymentStatusNames) {
		return paymentStatusNames[s]
	}
	return "unknown"
}

// Valid reports whether s is one of the defined statuses.
func (s PaymentStatus) Valid() bool {
	return s >= 0 && int(s) < len(paymentStatusNames)
}

// PaymentStatusFromStripe maps a Stripe PaymentIntent status to ours.
// Unknown values become PaymentCreated, as in the earlier backend.
func PaymentStatusFromStripe(status string) PaymentStatus {
	if status == "cancelled" { // British spelling, as some clients send it
		return PaymentCancelled
	}
	for i, name := range paymentStatusNames {
		if name == status {
			return PaymentStatus(i)
		}
	}
	return PaymentCreated
}

// Payment is one Stripe PaymentIntent for an Invoice or SalesOrder.
type Payment struct {
	ID              int64
	StripePaymentID string // PaymentIntent id, pi_…
	UserID          int64  // portal user who started it; 0 when unknown or the user was deleted
	ContactID       string
	AccountID       string
	ParentID        string // Invoice or SalesOrder webservice id
	ParentModule    string // "Invoice" or "SalesOrder"
	AmountMinor     int64  // amount in the currency's minor unit (cents)
	Currency        string // ISO 4217, lower case as Stripe uses it
	PaymentMethod   string // Stripe payment method type, default "card"
	Status          PaymentStatus
	CRMSynced       bool   // Vtiger has been told the parent is paid
	CRMAttempts     int    // failed attempts to tell Vtiger
	LastError       string // last CRM update failure, for operators
	Mismatch        string // Stripe reported another amount or currency as received: not paid
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Notification is one notification as a portal user sees it. Account-wide
// CRM notifications are fanned out to one row per recipient user at import.
type Notification struct {
	ID             int64
	CRMID          string // Vtiger record it was imported from; "" for portal-made ones
	UserID         int64
	AccountID      string
	ContactID      string
	Module         string // Vtiger module the notification is about, e.g. HelpDesk
	Label          string
	Description    string
	RelatedID      string // webservice id of the record it is about
	AssignedUserID string // Vtiger user (manager) responsible
	IsRead         bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NotificationInput is a notification to be stored for a set of recipients.
type NotificationInput struct {
	CRMID          string // de-duplication key per recipient; "" = never de-duplicated
	AccountID      string
	ContactID      string
	Module         string
	Label          string
	Description    string
	RelatedID      string
	AssignedUserID string
	CreatedAt      time.Time // zero = now
}
