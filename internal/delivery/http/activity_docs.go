package http

// The activity trail routes and their Swagger blocks. listActivity only
// calls organisationActivity; each per-record method only names a route
// and binds its area's target to recordActivityList (both in activity.go):
// swag applies a comment block's tags to every route of the block, so one
// block per route is what keeps each area's Swagger tag and Insomnia
// folder to its own routes.

import "net/http"

// listActivity serves GET /activity.
//
//	@Summary		Activity trail of my organisation
//	@Description	Every successful write made through the portal by the caller's organisation (a contact without one: their own), newest first. Entries of the profile, settings, security, my-documents, leads and notifications modules, and of modules with visibility "contact", are shown only to the contact who made them. Secrets (passwords, OTP codes, tokens, image content) are never stored: such a field appears with "redacted": true. "ip" is shown on the caller's own entries only.
//	@Tags			activity
//	@Security		Bearer
//	@Produce		json
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (default vtiger.business.defaultPagination, at most maxPageSize)"
//	@Param			record	query		string	false	"only entries of this record id"	example(17x5)
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page or size"
//	@Router			/activity [get]
func (s *Server) listActivity(w http.ResponseWriter, r *http.Request) {
	s.organisationActivity(w, r)
}

// ticketActivity is one ticket's trail.
//
//	@Summary		Activity trail of a ticket
//	@Description	The portal writes of the caller's organisation to this ticket, newest first (see GET /activity). 404 when the ticket is not the caller's.
//	@Tags			tickets
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"ticket id"	example(17x5)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/tickets/{id}/activity [get]
func (s *Server) ticketActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, ticketTarget)
}

// projectActivity is one project's trail.
//
//	@Summary		Activity trail of a project
//	@Description	The portal writes of the caller's organisation to this project, newest first (see GET /activity). 404 when the project is not the caller's.
//	@Tags			projects
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"project id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/projects/{id}/activity [get]
func (s *Server) projectActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, projectTarget)
}

// taskActivity is one project task's trail.
//
//	@Summary		Activity trail of a project task
//	@Description	The portal writes of the caller's organisation to this task, newest first (see GET /activity). 404 when the task is not the caller's or not in the project.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json
//	@Param			pid		path		string	true	"project id"
//	@Param			id		path		string	true	"task id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/projects/{pid}/tasks/{id}/activity [get]
func (s *Server) taskActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, taskTarget)
}

// invoiceActivity is one invoice's trail (payments of it).
//
//	@Summary		Activity trail of an invoice
//	@Description	The portal writes of the caller's organisation about this invoice (payments), newest first. 404 when the invoice is not the caller's.
//	@Tags			invoices
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"invoice id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/invoices/{id}/activity [get]
func (s *Server) invoiceActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, invoiceTarget)
}

// salesOrderActivity is one sales order's trail (payments of it).
//
//	@Summary		Activity trail of a sales order
//	@Description	The portal writes of the caller's organisation about this sales order (payments), newest first. 404 when the order is not the caller's.
//	@Tags			sales-orders
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"sales order id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/sales-orders/{id}/activity [get]
func (s *Server) salesOrderActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, salesOrderTarget)
}

// quoteActivity is one quote's trail (acceptance, rejection).
//
//	@Summary		Activity trail of a quote
//	@Description	The portal writes of the caller's organisation to this quote (accept, reject), newest first. 404 when the quote is not the caller's.
//	@Tags			quotes
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"quote id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/quotes/{id}/activity [get]
func (s *Server) quoteActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, quoteTarget)
}

// serviceContractActivity is one service contract's trail.
//
//	@Summary		Activity trail of a service contract
//	@Description	The portal writes of the caller's organisation to this contract (document uploads), newest first. 404 when the contract is not the caller's.
//	@Tags			service-contracts
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"service contract id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/service-contracts/{id}/activity [get]
func (s *Server) serviceContractActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, serviceContractTarget)
}

// customRecordActivity is one custom-module record's trail.
//
//	@Summary		Activity trail of a custom-module record
//	@Description	The portal writes of the caller's organisation to this record, newest first (see GET /activity). 404 when the record is not the caller's.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			module	path		string	true	"module name"	example(Assets)
//	@Param			id		path		string	true	"record id"
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size"
//	@Success		200		{object}	ListEnvelope{data=[]ActivityJSON}
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Router			/custom-modules/{module}/{id}/activity [get]
func (s *Server) customRecordActivity(w http.ResponseWriter, r *http.Request) {
	s.recordActivityList(w, r, customTarget)
}
