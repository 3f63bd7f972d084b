package http

import "net/http"

// acceptQuote serves POST /quotes/{id}/accept.
//
//	@Summary		Accept a quote
//	@Description	Sets the quote's quotestage to vtiger.business.quotes.acceptedStage (default Accepted), adds the comment
//	@Description	("Accepted by <name>: <comment>", or a default text without one) as a comment on the quote and e-mails
//	@Description	the quote's assigned CRM user. Only from an open stage (vtiger.business.quotes.openStages, default
//	@Description	Created, Delivered, Reviewed) and not after validtill (the last valid day, in vtiger.business.quotes.timeZone):
//	@Description	both are 409 with field quotestage or validtill. Another customer's quote is 404, as for GET /quotes/{id}.
//	@Description	The body is optional. Answers the updated quote.
//	@Tags			quotes
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"record id (webservice id)"	example(4x1)
//	@Param			body	body		quoteDecisionInput	false	"optional comment, at most 2000 characters"
//	@Success		200		{object}	dataEnvelope{data=object}	"the quote with its new stage"
//	@Failure		400		{object}	ErrorBody			"malformed JSON"
//	@Failure		401		{object}	ErrorBody			"missing or invalid token"
//	@Failure		403		{object}	ErrorBody			"OTP Required"
//	@Failure		404		{object}	ErrorBody			"no such quote, or not the customer's"
//	@Failure		409		{object}	ErrorBody			"quote is no longer open (message names the current stage), or expired"
//	@Failure		413		{object}	ErrorBody			"body too large"
//	@Failure		422		{object}	ErrorBody			"comment too long or not a string"
//	@Failure		502		{object}	ErrorBody			"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody			"CRM unavailable"
//	@Failure		504		{object}	ErrorBody			"CRM timed out"
//	@Router			/quotes/{id}/accept [post]
func (s *Server) acceptQuote(w http.ResponseWriter, r *http.Request) {
	s.quoteDecision(w, r, s.CRM.Quotes.AcceptQuote)
}

// rejectQuote serves POST /quotes/{id}/reject.
//
//	@Summary		Reject a quote
//	@Description	Like accept, with vtiger.business.quotes.rejectedStage (default Rejected) and "Rejected by <name>: …".
//	@Tags			quotes
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string				true	"record id (webservice id)"	example(4x1)
//	@Param			body	body		quoteDecisionInput	false	"optional comment, at most 2000 characters"
//	@Success		200		{object}	dataEnvelope{data=object}	"the quote with its new stage"
//	@Failure		400		{object}	ErrorBody			"malformed JSON"
//	@Failure		401		{object}	ErrorBody			"missing or invalid token"
//	@Failure		403		{object}	ErrorBody			"OTP Required"
//	@Failure		404		{object}	ErrorBody			"no such quote, or not the customer's"
//	@Failure		409		{object}	ErrorBody			"quote is no longer open (message names the current stage), or expired"
//	@Failure		413		{object}	ErrorBody			"body too large"
//	@Failure		422		{object}	ErrorBody			"comment too long or not a string"
//	@Failure		502		{object}	ErrorBody			"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody			"CRM unavailable"
//	@Failure		504		{object}	ErrorBody			"CRM timed out"
//	@Router			/quotes/{id}/reject [post]
func (s *Server) rejectQuote(w http.ResponseWriter, r *http.Request) {
	s.quoteDecision(w, r, s.CRM.Quotes.RejectQuote)
}
