package http

import "github.com/portalcrm/vtiger-portal/internal/domain"

// The bodies the ticket and comment handlers read, recorded as sent (the
// CRM may answer them HTML-escaped).
var (
	ticketFields  = []string{"ticket_title", "description", "ticketpriorities", "ticketseverities", "ticketcategories"}
	commentFields = []string{"commentcontent"}
)

// activityRoute says how a write route is filed in the activity trail.
type activityRoute struct {
	Module      string            // module the entry is filed under
	ModuleParam string            // path parameter naming the module (custom modules); wins when set
	Action      string            // what the write did: create, update, status, comment, upload, …
	IDParam     string            // path parameter holding the record id (default "id")
	IDBody      []string          // body keys holding the record id, first non-empty wins
	Self        bool              // the record is the caller's own Contact
	Fields      []string          // when set, exactly these body keys are recorded (no check against the answer)
	Ignore      []string          // body keys never recorded (sent by the frontend, ignored by the portal)
	Secrets     []string          // body keys recorded as "redacted" when sent (their answer never echoes them)
	ActionIfKey map[string]string // a body key present (non-empty) switches the action
	Skip        bool              // a write that changes no data: logging out, the login's OTP step
}

// activityRoutes files every authenticated write route: "METHOD pattern"
// (the chi pattern without /api/v1) → how it is recorded. A write route
// that is missing here is still recorded, under the path's first segment
// (TestActivityRoutesCoverRouter fails until it gets its line).
//
// Body keys not in Fields are recorded only when the answer shows the
// same value under the same key, so fields the portal ignored (mass
// assignment attempts, extras of the frontend) never enter the trail.
var activityRoutes = map[string]activityRoute{
	// Tickets.
	"POST /tickets":                {Module: ticketTarget.Module, Action: "create", Fields: ticketFields},
	"PUT /tickets/{id}":            {Module: ticketTarget.Module, Action: "update", Fields: ticketFields},
	"PATCH /tickets/{id}":          {Module: ticketTarget.Module, Action: "status", Fields: []string{"ticketstatus"}},
	"POST /tickets/{id}/comments":  {Module: ticketTarget.Module, Action: "comment", Fields: commentFields},
	"POST /tickets/{id}/documents": {Module: ticketTarget.Module, Action: "upload"},
	// Projects and their tasks.
	"POST /projects/{id}/comments":                 {Module: projectTarget.Module, Action: "comment", Fields: commentFields},
	"POST /projects/{id}/documents":                {Module: projectTarget.Module, Action: "upload"},
	"POST /projects/{pid}/tasks":                   {Module: taskTarget.Module, Action: "create"},
	"PATCH /projects/{pid}/tasks/{id}":             {Module: taskTarget.Module, Action: "update"},
	"PATCH /projects/{pid}/tickets/{id}":           {Module: taskTarget.Module, Action: "status"},
	"POST /projects/{pid}/tasks/{id}/comments":     {Module: taskTarget.Module, Action: "comment", Fields: commentFields},
	"POST /projects/{pid}/tasks/{id}/documents":    {Module: taskTarget.Module, Action: "upload"},
	"POST /service-contracts/{id}/documents":       {Module: serviceContractTarget.Module, Action: "upload"},
	"POST /custom-modules/{module}":                {ModuleParam: "module", Action: "create"},
	"PATCH /custom-modules/{module}/{id}":          {ModuleParam: "module", Action: "update"},
	"PUT /custom-modules/{module}/{id}":            {ModuleParam: "module", Action: "update"},
	"POST /custom-modules/{module}/{id}/comments":  {ModuleParam: "module", Action: "comment", Fields: commentFields},
	"POST /custom-modules/undefined/{id}/comments": {Module: activityCustomModule, Action: "comment", Fields: commentFields},
	"POST /custom-modules/{module}/{id}/documents": {ModuleParam: "module", Action: "upload"},
	// Quotes: a customer's decision, with the comment sent.
	"POST /quotes/{id}/accept": {Module: quoteTarget.Module, Action: "accept", Fields: []string{"comment"}},
	"POST /quotes/{id}/reject": {Module: quoteTarget.Module, Action: "reject", Fields: []string{"comment"}},
	// Payments: the amount comes from the CRM, so the record is what matters.
	"POST /payments/create-payment-intent": {Module: "Payments", Action: "payment-intent",
		IDBody: []string{"invoice_id", "so_id"}, Fields: []string{"invoice_id", "so_id"}},
	// Confirm reads only the intent id and asks Stripe for the rest: what
	// the client claims beside it (status, amount) is not a fact to file.
	"POST /payments/confirm": {Module: "Payments", Action: "payment-confirm", IDBody: []string{"id"},
		Fields: []string{"id"}},
	// The customer's own account.
	"POST /leads": {Module: domain.ActivityLeads, Action: "create", Fields: []string{"lastname", "firstname", "email", "phone"}},
	"PUT /users/my": {Module: domain.ActivityProfile, Action: "update", Self: true,
		Ignore: []string{"account_name", "imagetype", "confirmPassword"}, Secrets: []string{"password", "old_password", "imagecontent"},
		ActionIfKey: map[string]string{"password": "password-change"}},
	"PATCH /users/settings":                 {Module: domain.ActivitySettings, Action: "update", Self: true},
	"POST /users/my/documents":              {Module: domain.ActivityMyDocuments, Action: "upload"},
	"DELETE /users/{crmid}/documents/{doc}": {Module: domain.ActivityMyDocuments, Action: "delete", IDParam: "doc"},
	"PATCH /otp/verify":                     {Module: domain.ActivitySecurity, Action: "otp-enable", Self: true, Fields: []string{"token"}},
	"PATCH /otp/disable":                    {Module: domain.ActivitySecurity, Action: "otp-disable", Self: true, Fields: []string{"token", "password"}},
	"DELETE /notifications/{id}":            {Module: domain.ActivityNotifications, Action: "dismiss"},
	// Anonymous writes that name their user themselves (activitySubject).
	"POST /users": {Module: domain.ActivityProfile, Action: "register", Self: true,
		Secrets: []string{"password", "code"}, Ignore: []string{"confirmPassword", "terms"}},
	"PUT /users/password": {Module: domain.ActivityProfile, Action: "password-reset", Self: true,
		Secrets: []string{"password", "token"}},
	// Writes that change no data, or come from Stripe rather than a customer.
	"POST /users/login":      {Skip: true},
	"POST /users/restore":    {Skip: true},
	"PATCH /otp/validate":    {Skip: true},
	"POST /users/logout":     {Skip: true},
	"POST /payments/webhook": {Skip: true},
}
