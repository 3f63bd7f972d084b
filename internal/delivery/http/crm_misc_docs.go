package http

// The Swagger blocks of the handlers in crm_misc.go, on doc-only functions
// so the handlers read without them. swag reads annotations on any func.

//lint:file-ignore U1000 the functions exist only to carry swag annotations

// createTicketDoc carries the Swagger block of (*Server).createTicket.
//
//	@Summary		Open a ticket
//	@Description	Priority, severity and category are checked against the picklists describe reports.
//	@Tags			tickets
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			body	body		records.TicketInput	true	"ticket fields"
//	@Success		201		{object}	object				"the new ticket (bare)"
//	@Failure		400		{object}	ErrorBody			"malformed JSON"
//	@Failure		401		{object}	ErrorBody			"missing or invalid token"
//	@Failure		403		{object}	ErrorBody			"OTP Required"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets [post]
func createTicketDoc() {}

// updateTicketDoc carries the Swagger block of (*Server).updateTicket.
//
//	@Summary	Edit a ticket
//	@Tags		tickets
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		id		path		string				true	"ticket id (webservice id)"	example(17x123)
//	@Param		body	body		records.TicketInput	true	"ticket fields to change"
//	@Success	202		{object}	object				"the updated ticket (bare)"
//	@Failure	400		{object}	ErrorBody			"malformed JSON"
//	@Failure	401		{object}	ErrorBody			"missing or invalid token"
//	@Failure	403		{object}	ErrorBody			"OTP Required"
//	@Failure	404		{object}	ErrorBody			"no such ticket, or not the customer's"
//	@Failure	422		{object}	ErrorBody
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/tickets/{id} [put]
func updateTicketDoc() {}

// patchTicketDoc carries the Swagger block of (*Server).patchTicket.
//
//	@Summary	Change a ticket's status
//	@Tags		tickets
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		id		path		string				true	"ticket id (webservice id)"	example(17x123)
//	@Param		body	body		ticketStatusInput	true	"the new status"
//	@Success	202		{object}	object				"the updated ticket (bare)"
//	@Failure	400		{object}	ErrorBody			"malformed JSON"
//	@Failure	401		{object}	ErrorBody			"missing or invalid token"
//	@Failure	403		{object}	ErrorBody			"OTP Required"
//	@Failure	404		{object}	ErrorBody			"no such ticket, or not the customer's"
//	@Failure	422		{object}	ErrorBody			"not a status of the picklist"
//	@Failure	502		{object}	ErrorBody			"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody			"CRM unavailable"
//	@Failure	504		{object}	ErrorBody			"CRM timed out"
//	@Router		/tickets/{id} [patch]
func patchTicketDoc() {}

// starredFAQsDoc carries the Swagger block of (*Server).starredFAQs.
//
//	@Summary		Starred FAQs
//	@Description	List, data only.
//	@Tags			faqs
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/faqs/starred [get]
func starredFAQsDoc() {}

// companyDoc carries the Swagger block of (*Server).company.
// login: the requisites are not meant for anonymous scraping.
//
//	@Summary	The company's details and requisites
//	@Tags		company
//	@Security	Bearer
//	@Produce	json
//	@Success	200	{object}	dataEnvelope{data=object}
//	@Failure	401	{object}	ErrorBody	"missing or invalid token"
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Failure	502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503	{object}	ErrorBody	"CRM unavailable"
//	@Failure	504	{object}	ErrorBody	"CRM timed out"
//	@Router		/company [get]
func companyDoc() {}

// managerDoc carries the Swagger block of (*Server).manager.
//
//	@Summary	A CRM user (manager)
//	@Tags		managers
//	@Security	Bearer
//	@Produce	json
//	@Param		id	path		string	true	"CRM user id, from assigned_user_id"	example(19x1)
//	@Success	200	{object}	dataEnvelope{data=object}
//	@Failure	401	{object}	ErrorBody	"missing or invalid token"
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Failure	404	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody	"not a user id"
//	@Failure	502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503	{object}	ErrorBody	"CRM unavailable"
//	@Failure	504	{object}	ErrorBody	"CRM timed out"
//	@Router		/managers/{id} [get]
func managerDoc() {}

// describeModuleDoc carries the Swagger block of (*Server).describeModule.
//
//	@Summary	Describe a module (fields, picklists)
//	@Tags		modules
//	@Security	Bearer
//	@Produce	json
//	@Param		name	path		string	true	"module name"	example(HelpDesk)
//	@Success	200		{object}	dataEnvelope{data=vtiger.Module}
//	@Failure	401		{object}	ErrorBody	"missing or invalid token"
//	@Failure	403		{object}	ErrorBody	"OTP Required"
//	@Failure	404		{object}	ErrorBody	"not a module of the portal"
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/modules/{name} [get]
func describeModuleDoc() {}

// statisticsDoc carries the Swagger block of (*Server).statistics.
//
//	@Summary		Dashboard statistics
//	@Description	Counts and sums are JSON numbers.
//	@Tags			statistics
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	dataEnvelope{data=records.Statistics}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/statistics [get]
func statisticsDoc() {}

// statisticsTasksDoc carries the Swagger block of (*Server).statisticsTasks.
//
//	@Summary		Project tasks in progress
//	@Description	List, data only.
//	@Tags			statistics
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/statistics/tasks [get]
func statisticsTasksDoc() {}

// searchDoc carries the Swagger block of (*Server).search.
// tasks.
//
//	@Summary		Global search
//	@Description	List, data only.
//	@Tags			search
//	@Security		Bearer
//	@Produce		json
//	@Param			search	query		string	true	"search text, at least 3 characters"	example(printer)
//	@Success		200		{object}	ListEnvelope{data=[]records.SearchItem}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		422		{object}	ErrorBody	"search text too short"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/search [get]
func searchDoc() {}

// createLeadDoc carries the Swagger block of (*Server).createLead.
//
//	@Summary	Refer a lead
//	@Tags		leads
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		records.LeadInput	true	"the lead"
//	@Success	201		{object}	object				"the new lead (bare)"
//	@Failure	400		{object}	ErrorBody			"malformed JSON"
//	@Failure	401		{object}	ErrorBody			"missing or invalid token"
//	@Failure	403		{object}	ErrorBody			"OTP Required"
//	@Failure	422		{object}	ErrorBody
//	@Failure	429		{object}	ErrorBody	"too many leads from this address"
//	@Failure	502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503		{object}	ErrorBody	"CRM unavailable"
//	@Failure	504		{object}	ErrorBody	"CRM timed out"
//	@Router		/leads [post]
func createLeadDoc() {}

// myDocumentsDoc carries the Swagger block of (*Server).myDocuments.
//
//	@Summary		My documents
//	@Description	List, data only.
//	@Tags			documents
//	@Security		Bearer
//	@Produce		json
//	@Success		200	{object}	ListEnvelope{data=[]object}
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/users/my/documents [get]
func myDocumentsDoc() {}

// uploadMyDocumentDoc carries the Swagger block of (*Server).uploadMyDocument.
//
//	@Summary		Upload one of my documents
//	@Description	The content type is sniffed from the bytes. Bodies above http.maxUploadBytes answer 413.
//	@Tags			documents
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/users/my/documents [post]
func uploadMyDocumentDoc() {}

// myFileDoc carries the Swagger block of (*Server).myFile.
//
//	@Summary		Download one of my files
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Tags			documents
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			crmid	path		string							true	"the customer's contact id"							example(12x5)
//	@Param			att		path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw		query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200		{object}	dataEnvelope{data=records.File}	"the file (or its bytes with raw=1)"
//	@Failure		401		{object}	ErrorBody						"missing or invalid token"
//	@Failure		403		{object}	ErrorBody						"OTP Required"
//	@Failure		404		{object}	ErrorBody						"no such attachment, or not the customer's"
//	@Failure		502		{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody						"CRM unavailable"
//	@Failure		504		{object}	ErrorBody						"CRM timed out"
//	@Router			/users/{crmid}/file/{att} [get]
func myFileDoc() {}

// deleteMyDocumentDoc carries the Swagger block of (*Server).deleteMyDocument.
//
//	@Summary	Delete one of my documents
//	@Tags		documents
//	@Security	Bearer
//	@Produce	json
//	@Param		crmid	path	string	true	"the customer's contact id"	example(12x5)
//	@Param		doc		path	string	true	"document id"				example(15x43)
//	@Success	204
//	@Failure	401	{object}	ErrorBody	"missing or invalid token"
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Failure	404	{object}	ErrorBody	"no such document, or not the customer's"
//	@Failure	502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure	503	{object}	ErrorBody	"CRM unavailable"
//	@Failure	504	{object}	ErrorBody	"CRM timed out"
//	@Router		/users/{crmid}/documents/{doc} [delete]
func deleteMyDocumentDoc() {}
