package http

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
)

// DemoMailbox lists the mails demo mode kept instead of sending them.
type DemoMailbox interface {
	List() []mail.Sent
}

var _ DemoMailbox = (*mail.Outbox)(nil)

// DemoCRM plays the CRM user in demo mode, where the simulator has no UI.
type DemoCRM interface {
	// AnswerTicket adds a public comment by a CRM user to a ticket and
	// returns the comment id.
	AnswerTicket(ctx context.Context, ticketID, text string) (string, error)
}

// DemoAnswerRequest is {text}.
type DemoAnswerRequest struct {
	Text string `json:"text"`
}

// DemoMailJSON is one kept mail at GET /demo/mail.
type DemoMailJSON struct {
	MessageID string    `json:"message_id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Template  string    `json:"template"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	Links     []string  `json:"links"`
	SentAt    time.Time `json:"sent_at"`
}

// DemoMailList is {data, count}, newest mail first.
type DemoMailList struct {
	Data  []DemoMailJSON `json:"data"`
	Count int            `json:"count"`
}

// mountDemo registers /demo/mail (and /demo/tickets/{id}/answer), outside /api/v1 because it is no part of
// the frontend's API. It exists only when Deps.DemoMail is set, which only
// demo mode does: the mails carry reset links, so no other portal may list them.
func (s *Server) mountDemo(r chi.Router) {
	if s.DemoMail == nil {
		return
	}
	r.Get("/demo/mail", s.demoMail)
	if s.DemoCRM != nil {
		r.Post("/demo/tickets/{id}/answer", s.demoAnswer)
	}
}

// demoAnswer lets a newcomer see the "ticket answered" mail: the comment
// is written as the demo's CRM manager, and the background job mails it.
func (s *Server) demoAnswer(w http.ResponseWriter, r *http.Request) {
	var req DemoAnswerRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		s.writeError(w, r, domain.Invalid("text", "is required"))
		return
	}
	id, err := s.DemoCRM.AnswerTicket(r.Context(), chi.URLParam(r, "id"), req.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": id,
		"message": "comment added as a CRM user; the ticket answered mail appears at /demo/mail after the next job run"})
}

func (s *Server) demoMail(w http.ResponseWriter, r *http.Request) {
	kept := s.DemoMail.List()
	out := DemoMailList{Data: make([]DemoMailJSON, 0, len(kept)), Count: len(kept)}
	for _, m := range kept {
		links := mail.Links(m.Text)
		if links == nil {
			links = []string{}
		}
		out.Data = append(out.Data, DemoMailJSON{
			MessageID: m.MessageID, From: m.From, To: m.To, Template: m.Template, Subject: m.Subject,
			Text: m.Text, HTML: m.HTML, Links: links, SentAt: m.SentAt,
		})
	}
	writeJSON(w, http.StatusOK, out)
}
