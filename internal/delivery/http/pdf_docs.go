package http

// The PDF download routes and their Swagger blocks. Each method only names
// a route and binds its Vtiger module to writePDF (pdf.go), so pdf.go reads
// without the annotations.

import (
	"net/http"

	"github.com/portalcrm/vtiger-portal/internal/service/documents"
)

// invoicePDF serves GET /invoices/{id}/pdf.
//
//	@Summary		Download an invoice as PDF
//	@Description	The invoice as a printable PDF: company details and logo, billing and shipping address, dates,
//	@Description	line items, totals in the invoice's currency, terms and conditions, and a PAID mark when the
//	@Description	status is payment.paid_invoice_status. Named after the invoice number (INV4.pdf).
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			invoices
//	@Security		Bearer
//	@Produce		application/pdf,json
//	@Param			id	path		string		true	"record id (webservice id)"	example(7x1)
//	@Success		200	{file}		file		"the PDF (Content-Disposition: attachment)"
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, malformed id, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/invoices/{id}/pdf [get]
func (s *Server) invoicePDF(w http.ResponseWriter, r *http.Request) {
	s.writePDF(w, r, documents.Invoice)
}

// salesOrderPDF serves GET /sales-orders/{id}/pdf.
//
//	@Summary		Download a sales order as PDF
//	@Description	The sales order as a printable PDF (company details, addresses, dates, line items, totals in
//	@Description	its currency, terms and conditions), named after its number (SO2.pdf).
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			sales-orders
//	@Security		Bearer
//	@Produce		application/pdf,json
//	@Param			id	path		string		true	"record id (webservice id)"	example(6x1)
//	@Success		200	{file}		file		"the PDF (Content-Disposition: attachment)"
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, malformed id, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/sales-orders/{id}/pdf [get]
func (s *Server) salesOrderPDF(w http.ResponseWriter, r *http.Request) {
	s.writePDF(w, r, documents.SalesOrder)
}

// quotePDF serves GET /quotes/{id}/pdf.
//
//	@Summary		Download a quote as PDF
//	@Description	The quote as a printable PDF (company details, addresses, date and validity, line items, totals
//	@Description	in its currency, terms and conditions), named after its number (QUO3.pdf).
//	@Description	Out-of-scope records answer 404, never 403.
//	@Tags			quotes
//	@Security		Bearer
//	@Produce		application/pdf,json
//	@Param			id	path		string		true	"record id (webservice id)"	example(4x1)
//	@Success		200	{file}		file		"the PDF (Content-Disposition: attachment)"
//	@Failure		401	{object}	ErrorBody	"missing or invalid token"
//	@Failure		403	{object}	ErrorBody	"OTP Required"
//	@Failure		404	{object}	ErrorBody	"no such record, malformed id, or not the customer's"
//	@Failure		502	{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503	{object}	ErrorBody	"CRM unavailable"
//	@Failure		504	{object}	ErrorBody	"CRM timed out"
//	@Router			/quotes/{id}/pdf [get]
func (s *Server) quotePDF(w http.ResponseWriter, r *http.Request) {
	s.writePDF(w, r, documents.Quote)
}
