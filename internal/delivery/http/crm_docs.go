package http

// The CRM module routes and their Swagger blocks. Each method only names a
// route and binds its area's target to a shared implementation (crm.go):
// swag applies a comment block's tags and parameters to every route of the
// block, so one block per route is what keeps each area's Swagger tag and
// Insomnia folder to its own routes.

import "net/http"

// listTickets serves GET /tickets.
//
//	@Summary		List tickets
//	@Description	Paged list of the customer's tickets (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			tickets
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page			query		int		false	"1-based page"	default(1)
//	@Param			size			query		int		false	"page size"
//	@Param			search			query		string	false	"free text"
//	@Param			sort			query		string	false	"field, leading - for descending"	example(-ticket_no)
//	@Param			ticketstatus	query		string	false	"status filter"						example(Open)
//	@Param			status			query		string	false	"alias of ticketstatus"
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200				{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401				{object}	ErrorBody	"missing or invalid token"
//	@Failure		403				{object}	ErrorBody	"OTP Required"
//	@Failure		422				{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502				{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503				{object}	ErrorBody	"CRM unavailable"
//	@Failure		504				{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets [get]
func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, ticketTarget)
}

// getTicket serves GET /tickets/{id}.
//
//	@Summary		Get a ticket
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			tickets
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(17x123)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets/{id} [get]
func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, ticketTarget)
}

// listTicketComments serves GET /tickets/{id}/comments.
//
//	@Summary		List a ticket's comments
//	@Description	Paged, newest first by default (sort -createdtime); count is the whole thread's total. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			tickets
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(17x123)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets/{id}/comments [get]
func (s *Server) listTicketComments(w http.ResponseWriter, r *http.Request) error {
	return s.crmComments(w, r, ticketTarget)
}

// addTicketComment serves POST /tickets/{id}/comments.
//
//	@Summary		Comment on a ticket
//	@Description	Answers the bare comment, as the earlier backend did.
//	@Tags			tickets
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"record id (webservice id)"	example(17x123)
//	@Param			body	body		commentInput	true	"the comment"
//	@Success		201		{object}	object			"the new comment (bare)"
//	@Failure		400		{object}	ErrorBody		"malformed JSON"
//	@Failure		401		{object}	ErrorBody		"missing or invalid token"
//	@Failure		403		{object}	ErrorBody		"OTP Required"
//	@Failure		404		{object}	ErrorBody		"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody		"empty comment"
//	@Failure		502		{object}	ErrorBody		"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody		"CRM unavailable"
//	@Failure		504		{object}	ErrorBody		"CRM timed out"
//	@Router			/tickets/{id}/comments [post]
func (s *Server) addTicketComment(w http.ResponseWriter, r *http.Request) error {
	return s.crmAddComment(w, r, ticketTarget, false)
}

// listTicketDocuments serves GET /tickets/{id}/documents.
//
//	@Summary		List a ticket's documents
//	@Description	Paged, newest first by default (sort -createdtime); count is the number of documents. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			tickets
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(17x123)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets/{id}/documents [get]
func (s *Server) listTicketDocuments(w http.ResponseWriter, r *http.Request) error {
	return s.crmDocuments(w, r, ticketTarget)
}

// uploadTicketDocument serves POST /tickets/{id}/documents.
//
//	@Summary		Upload a document to a ticket
//	@Description	The content type is sniffed from the bytes; the browser's claim is not trusted. Bodies above http.maxUploadBytes answer 413.
//	@Tags			tickets
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			id		path		string						true	"record id (webservice id)"	example(17x123)
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/tickets/{id}/documents [post]
func (s *Server) uploadTicketDocument(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpload(w, r, ticketTarget)
}

// ticketFile serves GET /tickets/{id}/file/{att}.
//
//	@Summary		Download an attachment of a ticket
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			tickets
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			id	path		string							true	"record id (webservice id)"							example(17x123)
//	@Param			att	path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw	query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200	{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401	{object}	ErrorBody						"missing or invalid token"
//	@Failure		403	{object}	ErrorBody						"OTP Required"
//	@Failure		404	{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502	{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody						"CRM unavailable"
//	@Failure		504	{object}	ErrorBody						"CRM timed out"
//	@Router			/tickets/{id}/file/{att} [get]
func (s *Server) ticketFile(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, ticketTarget)
}

// listProjects serves GET /projects.
//
//	@Summary		List projects
//	@Description	Paged list of the customer's projects (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			projects
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-project_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/projects [get]
func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, projectTarget)
}

// getProject serves GET /projects/{id}.
//
//	@Summary		Get a project
//	@Description	Out-of-scope records answer 404, never 403.
//	@Description	Always carries the project's statistics object.
//	@Tags			projects
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(29x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{id} [get]
func (s *Server) getProject(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, projectTarget)
}

// listProjectComments serves GET /projects/{id}/comments.
//
//	@Summary		List a project's comments
//	@Description	Paged, newest first by default (sort -createdtime); count is the whole thread's total. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			projects
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(29x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{id}/comments [get]
func (s *Server) listProjectComments(w http.ResponseWriter, r *http.Request) error {
	return s.crmComments(w, r, projectTarget)
}

// addProjectComment serves POST /projects/{id}/comments.
//
//	@Summary		Comment on a project
//	@Description	Answers {"data": comment}, as the earlier backend did for projects and tasks.
//	@Tags			projects
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string						true	"record id (webservice id)"	example(29x1)
//	@Param			body	body		commentInput				true	"the comment"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new comment"
//	@Failure		400		{object}	ErrorBody					"malformed JSON"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody					"empty comment"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/projects/{id}/comments [post]
func (s *Server) addProjectComment(w http.ResponseWriter, r *http.Request) error {
	return s.crmAddComment(w, r, projectTarget, true)
}

// listProjectDocuments serves GET /projects/{id}/documents.
//
//	@Summary		List a project's documents
//	@Description	Paged, newest first by default (sort -createdtime); count is the number of documents. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			projects
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(29x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{id}/documents [get]
func (s *Server) listProjectDocuments(w http.ResponseWriter, r *http.Request) error {
	return s.crmDocuments(w, r, projectTarget)
}

// uploadProjectDocument serves POST /projects/{id}/documents.
//
//	@Summary		Upload a document to a project
//	@Description	The content type is sniffed from the bytes; the browser's claim is not trusted. Bodies above http.maxUploadBytes answer 413.
//	@Tags			projects
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			id		path		string						true	"record id (webservice id)"	example(29x1)
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/projects/{id}/documents [post]
func (s *Server) uploadProjectDocument(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpload(w, r, projectTarget)
}

// projectFile serves GET /projects/{id}/file/{att}.
//
//	@Summary		Download an attachment of a project
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			projects
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			id	path		string							true	"record id (webservice id)"							example(29x1)
//	@Param			att	path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw	query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200	{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401	{object}	ErrorBody						"missing or invalid token"
//	@Failure		403	{object}	ErrorBody						"OTP Required"
//	@Failure		404	{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502	{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody						"CRM unavailable"
//	@Failure		504	{object}	ErrorBody						"CRM timed out"
//	@Router			/projects/{id}/file/{att} [get]
func (s *Server) projectFile(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, projectTarget)
}

// listInvoices serves GET /invoices.
//
//	@Summary		List invoices
//	@Description	Paged list of the customer's invoices (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			invoices
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-invoice_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/invoices [get]
func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, invoiceTarget)
}

// getInvoice serves GET /invoices/{id}.
//
//	@Summary		Get an invoice
//	@Description	Out-of-scope records answer 404, never 403.
//	@Description	Always carries its currency object.
//	@Tags			invoices
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(7x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/invoices/{id} [get]
func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, invoiceTarget)
}

// listSalesOrders serves GET /sales-orders.
//
//	@Summary		List sales orders
//	@Description	Paged list of the customer's sales orders (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			sales-orders
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-salesorder_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/sales-orders [get]
func (s *Server) listSalesOrders(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, salesOrderTarget)
}

// getSalesOrder serves GET /sales-orders/{id}.
//
//	@Summary		Get a sales order
//	@Description	Out-of-scope records answer 404, never 403.
//	@Description	Always carries its currency object.
//	@Tags			sales-orders
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(6x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/sales-orders/{id} [get]
func (s *Server) getSalesOrder(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, salesOrderTarget)
}

// listQuotes serves GET /quotes.
//
//	@Summary		List quotes
//	@Description	Paged list of the customer's quotes (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			quotes
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-quote_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/quotes [get]
func (s *Server) listQuotes(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, quoteTarget)
}

// getQuote serves GET /quotes/{id}.
//
//	@Summary		Get a quote
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			quotes
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(4x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/quotes/{id} [get]
func (s *Server) getQuote(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, quoteTarget)
}

// listServiceContracts serves GET /service-contracts.
//
//	@Summary		List service contracts
//	@Description	Paged list of the customer's service contracts (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			service-contracts
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-contract_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/service-contracts [get]
func (s *Server) listServiceContracts(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, serviceContractTarget)
}

// getServiceContract serves GET /service-contracts/{id}.
//
//	@Summary		Get a service contract
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			service-contracts
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(25x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/service-contracts/{id} [get]
func (s *Server) getServiceContract(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, serviceContractTarget)
}

// listServiceContractDocuments serves GET /service-contracts/{id}/documents.
//
//	@Summary		List a service contract's documents
//	@Description	Paged, newest first by default (sort -createdtime); count is the number of documents. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			service-contracts
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(25x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/service-contracts/{id}/documents [get]
func (s *Server) listServiceContractDocuments(w http.ResponseWriter, r *http.Request) error {
	return s.crmDocuments(w, r, serviceContractTarget)
}

// uploadServiceContractDocument serves POST /service-contracts/{id}/documents.
//
//	@Summary		Upload a document to a service contract
//	@Description	The content type is sniffed from the bytes; the browser's claim is not trusted. Bodies above http.maxUploadBytes answer 413.
//	@Tags			service-contracts
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			id		path		string						true	"record id (webservice id)"	example(25x1)
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/service-contracts/{id}/documents [post]
func (s *Server) uploadServiceContractDocument(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpload(w, r, serviceContractTarget)
}

// serviceContractFile serves GET /service-contracts/{id}/file/{att}.
//
//	@Summary		Download an attachment of a service contract
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			service-contracts
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			id	path		string							true	"record id (webservice id)"							example(25x1)
//	@Param			att	path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw	query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200	{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401	{object}	ErrorBody						"missing or invalid token"
//	@Failure		403	{object}	ErrorBody						"OTP Required"
//	@Failure		404	{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502	{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody						"CRM unavailable"
//	@Failure		504	{object}	ErrorBody						"CRM timed out"
//	@Router			/service-contracts/{id}/file/{att} [get]
func (s *Server) serviceContractFile(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, serviceContractTarget)
}

// listProducts serves GET /products.
//
//	@Summary		List products
//	@Description	Paged list of the customer's products (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			products
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page					query		int		false	"1-based page"	default(1)
//	@Param			size					query		int		false	"page size"
//	@Param			search					query		string	false	"free text"
//	@Param			sort					query		string	false	"field, leading - for descending"	example(-product_no)
//	@Param			discontinued			query		bool	false	"filter on the active flag"
//	@Param			filter[discontinued]	query		bool	false	"alias of discontinued"
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200						{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401						{object}	ErrorBody	"missing or invalid token"
//	@Failure		403						{object}	ErrorBody	"OTP Required"
//	@Failure		422						{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502						{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503						{object}	ErrorBody	"CRM unavailable"
//	@Failure		504						{object}	ErrorBody	"CRM timed out"
//	@Router			/products [get]
func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, productTarget)
}

// getProduct serves GET /products/{id}.
//
//	@Summary		Get a product
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			products
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(14x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/products/{id} [get]
func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, productTarget)
}

// listServices serves GET /services.
//
//	@Summary		List services
//	@Description	Paged list of the customer's services (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			services
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page					query		int		false	"1-based page"	default(1)
//	@Param			size					query		int		false	"page size"
//	@Param			search					query		string	false	"free text"
//	@Param			sort					query		string	false	"field, leading - for descending"	example(-service_no)
//	@Param			discontinued			query		bool	false	"filter on the active flag"
//	@Param			filter[discontinued]	query		bool	false	"alias of discontinued"
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200						{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401						{object}	ErrorBody	"missing or invalid token"
//	@Failure		403						{object}	ErrorBody	"OTP Required"
//	@Failure		422						{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502						{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503						{object}	ErrorBody	"CRM unavailable"
//	@Failure		504						{object}	ErrorBody	"CRM timed out"
//	@Router			/services [get]
func (s *Server) listServices(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, serviceTarget)
}

// getService serves GET /services/{id}.
//
//	@Summary		Get a service
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			services
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(26x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/services/{id} [get]
func (s *Server) getService(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, serviceTarget)
}

// listFAQs serves GET /faqs.
//
//	@Summary		List FAQs
//	@Description	Paged list of the customer's FAQs (their contact's and account's only).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			faqs
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-faq_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/faqs [get]
func (s *Server) listFAQs(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, faqTarget)
}

// getFAQ serves GET /faqs/{id}.
//
//	@Summary		Get an FAQ
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			faqs
//	@Security		Bearer
//	@Produce		json
//	@Param			id	path		string	true	"record id (webservice id)"	example(3x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/faqs/{id} [get]
func (s *Server) getFAQ(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, faqTarget)
}

// listTasks serves GET /projects/{pid}/tasks.
//
//	@Summary		List project tasks
//	@Description	Paged list of one project's tasks.
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			pid		path		string	true	"project id"	example(29x1)
//	@Param			page	query		int		false	"1-based page"	default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-projecttask_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"project not visible to the customer"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks [get]
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, taskTarget)
}

// getTask serves GET /projects/{pid}/tasks/{id}.
//
//	@Summary		Get a project task
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json
//	@Param			pid	path		string	true	"project id"				example(29x1)
//	@Param			id	path		string	true	"record id (webservice id)"	example(28x1)
//	@Success		200	{object}	dataEnvelope{data=object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422	{object}	ErrorBody	"malformed id"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id} [get]
func (s *Server) getTask(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, taskTarget)
}

// createTask serves POST /projects/{pid}/tasks.
//
//	@Summary		Create a project task
//	@Description	Only the module's editable fields are accepted; dates as YYYY-MM-DD, booleans and numbers as JSON types, picklists as their value.
//	@Tags			tasks
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			pid		path		string		true	"project id"	example(29x1)
//	@Param			body	body		object		true	"the module's editable fields"
//	@Success		201		{object}	object		"the new record (bare)"
//	@Failure		400		{object}	ErrorBody	"malformed JSON"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"project not visible to the customer"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks [post]
func (s *Server) createTask(w http.ResponseWriter, r *http.Request) error {
	return s.crmCreate(w, r, taskTarget)
}

// updateTask serves PATCH /projects/{pid}/tasks/{id}.
//
//	@Summary	Update a project task
//	@Tags		tasks
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		pid		path		string		true	"project id"				example(29x1)
//	@Param		id		path		string		true	"record id (webservice id)"	example(28x1)
//	@Param		body	body		object		true	"fields to change, e.g. projecttaskstatus"
//	@Success	202		{object}	object		"the updated record (bare)"
//	@Failure	400		{object}	ErrorBody	"malformed JSON"
//	@Failure	401		{object}	ErrorBody	"missing or invalid token"
//	@Failure	403		{object}	ErrorBody	"OTP Required"
//	@Failure	404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure	422		{object}	ErrorBody
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/projects/{pid}/tasks/{id} [patch]
func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpdate(w, r, taskTarget)
}

// updateTaskAlias serves PATCH /projects/{pid}/tickets/{id}, where the frontend writes "tickets" for tasks.
//
//	@Summary		Update a project task (alias)
//	@Description	Alias (contract decision 3): the frontend writes "tickets" for tasks. Same as PATCH /projects/{pid}/tasks/{id}.
//	@Tags			tasks
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			pid		path		string		true	"project id"				example(29x1)
//	@Param			id		path		string		true	"record id (webservice id)"	example(28x1)
//	@Param			body	body		object		true	"fields to change, e.g. projecttaskstatus"
//	@Success		202		{object}	object		"the updated record (bare)"
//	@Failure		400		{object}	ErrorBody	"malformed JSON"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tickets/{id} [patch]
func (s *Server) updateTaskAlias(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpdate(w, r, taskTarget)
}

// listTaskComments serves GET /projects/{pid}/tasks/{id}/comments.
//
//	@Summary		List a project task's comments
//	@Description	Paged, newest first by default (sort -createdtime); count is the whole thread's total. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json
//	@Param			pid	path		string	true	"project id"				example(29x1)
//	@Param			id	path		string	true	"record id (webservice id)"	example(28x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id}/comments [get]
func (s *Server) listTaskComments(w http.ResponseWriter, r *http.Request) error {
	return s.crmComments(w, r, taskTarget)
}

// addTaskComment serves POST /projects/{pid}/tasks/{id}/comments.
//
//	@Summary		Comment on a project task
//	@Description	Answers {"data": comment}, as the earlier backend did for projects and tasks.
//	@Tags			tasks
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			pid		path		string						true	"project id"				example(29x1)
//	@Param			id		path		string						true	"record id (webservice id)"	example(28x1)
//	@Param			body	body		commentInput				true	"the comment"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new comment"
//	@Failure		400		{object}	ErrorBody					"malformed JSON"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody					"empty comment"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id}/comments [post]
func (s *Server) addTaskComment(w http.ResponseWriter, r *http.Request) error {
	return s.crmAddComment(w, r, taskTarget, true)
}

// listTaskDocuments serves GET /projects/{pid}/tasks/{id}/documents.
//
//	@Summary		List a project task's documents
//	@Description	Paged, newest first by default (sort -createdtime); count is the number of documents. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json
//	@Param			pid	path		string	true	"project id"				example(29x1)
//	@Param			id	path		string	true	"record id (webservice id)"	example(28x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id}/documents [get]
func (s *Server) listTaskDocuments(w http.ResponseWriter, r *http.Request) error {
	return s.crmDocuments(w, r, taskTarget)
}

// uploadTaskDocument serves POST /projects/{pid}/tasks/{id}/documents.
//
//	@Summary		Upload a document to a project task
//	@Description	The content type is sniffed from the bytes; the browser's claim is not trusted. Bodies above http.maxUploadBytes answer 413.
//	@Tags			tasks
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			pid		path		string						true	"project id"				example(29x1)
//	@Param			id		path		string						true	"record id (webservice id)"	example(28x1)
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id}/documents [post]
func (s *Server) uploadTaskDocument(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpload(w, r, taskTarget)
}

// taskFile serves GET /projects/{pid}/tasks/{id}/file/{att}.
//
//	@Summary		Download an attachment of a project task
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			pid	path		string							true	"project id"										example(29x1)
//	@Param			id	path		string							true	"record id (webservice id)"							example(28x1)
//	@Param			att	path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw	query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200	{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401	{object}	ErrorBody						"missing or invalid token"
//	@Failure		403	{object}	ErrorBody						"OTP Required"
//	@Failure		404	{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502	{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody						"CRM unavailable"
//	@Failure		504	{object}	ErrorBody						"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id}/file/{att} [get]
func (s *Server) taskFile(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, taskTarget)
}

// taskFileAlias serves GET /tasks/{id}/file/{att}, a task file without the project prefix.
//
//	@Summary		Download an attachment of a project task (alias)
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Description	Alias (contract decision 3): a task file without the project prefix. Same as GET /projects/{pid}/tasks/{id}/file/{att}.
//	@Tags			tasks
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			id	path		string							true	"record id (webservice id)"							example(28x1)
//	@Param			att	path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw	query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200	{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401	{object}	ErrorBody						"missing or invalid token"
//	@Failure		403	{object}	ErrorBody						"OTP Required"
//	@Failure		404	{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502	{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody						"CRM unavailable"
//	@Failure		504	{object}	ErrorBody						"CRM timed out"
//	@Router			/tasks/{id}/file/{att} [get]
func (s *Server) taskFileAlias(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, taskTarget)
}

// listCustomRecords serves GET /custom-modules/{module}.
//
//	@Summary		List custom-module records
//	@Description	Paged list of the customer's records of a configured custom module (e.g. Assets).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Description	With format=csv (or Accept: text/csv) the answer is the WHOLE list, not one page, as RFC 4180 CSV (see the README, "CSV export"); over export.maxRows rows it is 422.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json,text/csv
//	@Param			module	path		string	true	"custom module name"	example(Assets)
//	@Param			page	query		int		false	"1-based page"			default(1)
//	@Param			size	query		int		false	"page size"
//	@Param			search	query		string	false	"free text"
//	@Param			sort	query		string	false	"field, leading - for descending"	example(-asset_no)
//	@Param			format	query	string	false	"csv: the whole filtered, sorted list as a CSV download (same as Accept: text/csv); json (default): one page"	Enums(json, csv)
//	@Param			bom	query	int	false	"with format=csv: 1 starts the file with a UTF-8 byte order mark (for Excel)"	Enums(0, 1)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Header		200	{string}	Content-Disposition	"CSV export only: attachment, file name <list>-<YYYY-MM-DD>.csv (e.g. tickets-2026-12-02.csv)"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"unknown custom module"
//	@Failure		422		{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/{module} [get]
func (s *Server) listCustomRecords(w http.ResponseWriter, r *http.Request) error {
	return s.crmList(w, r, customTarget)
}

// getCustomRecord serves GET /custom-modules/{module}/{id}.
//
//	@Summary		Get a custom-module record
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			module	path		string	true	"custom module name"		example(Assets)
//	@Param			id		path		string	true	"record id (webservice id)"	example(32x1)
//	@Success		200		{object}	dataEnvelope{data=object}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody	"malformed id"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/{module}/{id} [get]
func (s *Server) getCustomRecord(w http.ResponseWriter, r *http.Request) error {
	return s.crmGet(w, r, customTarget)
}

// createCustomRecord serves POST /custom-modules/{module}.
//
//	@Summary		Create a custom-module record
//	@Description	Only the module's editable fields are accepted; dates as YYYY-MM-DD, booleans and numbers as JSON types, picklists as their value.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			module	path		string		true	"custom module name"	example(Assets)
//	@Param			body	body		object		true	"the module's editable fields"
//	@Success		201		{object}	object		"the new record (bare)"
//	@Failure		400		{object}	ErrorBody	"malformed JSON"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"unknown custom module"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/{module} [post]
func (s *Server) createCustomRecord(w http.ResponseWriter, r *http.Request) error {
	return s.crmCreate(w, r, customTarget)
}

// updateCustomRecord serves PATCH and PUT /custom-modules/{module}/{id}.
//
//	@Summary		Update a custom-module record
//	@Description	PUT is the same as PATCH.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			module	path		string		true	"custom module name"		example(Assets)
//	@Param			id		path		string		true	"record id (webservice id)"	example(32x1)
//	@Param			body	body		object		true	"fields to change"
//	@Success		202		{object}	object		"the updated record (bare)"
//	@Failure		400		{object}	ErrorBody	"malformed JSON"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/{module}/{id} [patch]
//	@Router			/custom-modules/{module}/{id} [put]
func (s *Server) updateCustomRecord(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpdate(w, r, customTarget)
}

// listCustomRecordComments serves GET /custom-modules/{module}/{id}/comments.
//
//	@Summary		List a custom-module record's comments
//	@Description	Paged, newest first by default (sort -createdtime); count is the whole thread's total. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			module	path		string	true	"custom module name"		example(Assets)
//	@Param			id		path		string	true	"record id (webservice id)"	example(32x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/{module}/{id}/comments [get]
func (s *Server) listCustomRecordComments(w http.ResponseWriter, r *http.Request) error {
	return s.crmComments(w, r, customTarget)
}

// addCustomRecordComment serves POST /custom-modules/{module}/{id}/comments.
//
//	@Summary		Comment on a custom-module record
//	@Description	Answers the bare comment, as the earlier backend did.
//	@Description	The alias POST /custom-modules/undefined/{id}/comments is documented on its own.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			module	path		string			true	"custom module name"		example(Assets)
//	@Param			id		path		string			true	"record id (webservice id)"	example(32x1)
//	@Param			body	body		commentInput	true	"the comment"
//	@Success		201		{object}	object			"the new comment (bare)"
//	@Failure		400		{object}	ErrorBody		"malformed JSON"
//	@Failure		401		{object}	ErrorBody		"missing or invalid token"
//	@Failure		403		{object}	ErrorBody		"OTP Required"
//	@Failure		404		{object}	ErrorBody		"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody		"empty comment"
//	@Failure		502		{object}	ErrorBody		"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody		"CRM unavailable"
//	@Failure		504		{object}	ErrorBody		"CRM timed out"
//	@Router			/custom-modules/{module}/{id}/comments [post]
func (s *Server) addCustomRecordComment(w http.ResponseWriter, r *http.Request) error {
	return s.crmAddComment(w, r, customTarget, false)
}

// addCustomRecordCommentAlias serves POST /custom-modules/undefined/{id}/comments, where the frontend lost the module name; target finds it from the id's prefix.
//
//	@Summary		Comment on a custom-module record (alias without the module name)
//	@Description	Alias (contract decision 3): the frontend posts to /custom-modules/undefined/{id}/comments;
//	@Description	the module is found from the id's prefix. Same as POST /custom-modules/{module}/{id}/comments.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"record id (webservice id)"	example(32x1)
//	@Param			body	body		commentInput	true	"the comment"
//	@Success		201		{object}	object			"the new comment (bare)"
//	@Failure		400		{object}	ErrorBody		"malformed JSON"
//	@Failure		401		{object}	ErrorBody		"missing or invalid token"
//	@Failure		403		{object}	ErrorBody		"OTP Required"
//	@Failure		404		{object}	ErrorBody		"unknown id prefix or record not visible to the customer"
//	@Failure		422		{object}	ErrorBody		"empty comment"
//	@Failure		502		{object}	ErrorBody		"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody		"CRM unavailable"
//	@Failure		504		{object}	ErrorBody		"CRM timed out"
//	@Router			/custom-modules/undefined/{id}/comments [post]
func (s *Server) addCustomRecordCommentAlias(w http.ResponseWriter, r *http.Request) error {
	return s.crmAddComment(w, r, customTarget, false)
}

// listCustomRecordDocuments serves GET /custom-modules/{module}/{id}/documents.
//
//	@Summary		List a custom-module record's documents
//	@Description	Paged, newest first by default (sort -createdtime); count is the number of documents. Without parameters: the newest page of up to maxPageSize entries.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			module	path		string	true	"custom module name"		example(Assets)
//	@Param			id		path		string	true	"record id (webservice id)"	example(32x1)
//	@Param			page	query		int		false	"1-based page"
//	@Param			size	query		int		false	"page size (at most maxPageSize)"
//	@Param			sort	query		string	false	"sort key, - for descending"	default(-createdtime)
//	@Failure		422	{object}	ErrorBody	"bad page, size or sort"
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/{module}/{id}/documents [get]
func (s *Server) listCustomRecordDocuments(w http.ResponseWriter, r *http.Request) error {
	return s.crmDocuments(w, r, customTarget)
}

// uploadCustomRecordDocument serves POST /custom-modules/{module}/{id}/documents.
//
//	@Summary		Upload a document to a custom-module record
//	@Description	The content type is sniffed from the bytes; the browser's claim is not trusted. Bodies above http.maxUploadBytes answer 413.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			module	path		string						true	"custom module name"		example(Assets)
//	@Param			id		path		string						true	"record id (webservice id)"	example(32x1)
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/custom-modules/{module}/{id}/documents [post]
func (s *Server) uploadCustomRecordDocument(w http.ResponseWriter, r *http.Request) error {
	return s.crmUpload(w, r, customTarget)
}

// customRecordFile serves GET /custom-modules/{module}/{id}/file/{att}.
//
//	@Summary		Download an attachment of a custom-module record
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			module	path		string							true	"custom module name"								example(Assets)
//	@Param			id		path		string							true	"record id (webservice id)"							example(32x1)
//	@Param			att		path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw		query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200		{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401		{object}	ErrorBody						"missing or invalid token"
//	@Failure		403		{object}	ErrorBody						"OTP Required"
//	@Failure		404		{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502		{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody						"CRM unavailable"
//	@Failure		504		{object}	ErrorBody						"CRM timed out"
//	@Router			/custom-modules/{module}/{id}/file/{att} [get]
func (s *Server) customRecordFile(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, customTarget)
}

// customRecordFileAlias serves GET /{module}/{id}/file/{att}, a custom-module file without the custom-modules prefix.
//
//	@Summary		Download an attachment of a custom-module record (alias)
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Description	Alias (contract decision 3): a custom-module file without the custom-modules prefix. Same as GET /custom-modules/{module}/{id}/file/{att}.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			module	path		string							true	"custom module name"								example(Assets)
//	@Param			id		path		string							true	"record id (webservice id)"							example(32x1)
//	@Param			att		path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw		query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200		{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401		{object}	ErrorBody						"missing or invalid token"
//	@Failure		403		{object}	ErrorBody						"OTP Required"
//	@Failure		404		{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502		{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody						"CRM unavailable"
//	@Failure		504		{object}	ErrorBody						"CRM timed out"
//	@Router			/{module}/{id}/file/{att} [get]
func (s *Server) customRecordFileAlias(w http.ResponseWriter, r *http.Request) error {
	return s.crmFile(w, r, customTarget)
}
