package app

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	deliveryhttp "github.com/portalcrm/vtiger-portal/internal/delivery/http"
	"github.com/portalcrm/vtiger-portal/internal/mail"
)

// demoOutboxSize is how many mails GET /demo/mail keeps.
const demoOutboxSize = 200

// demoTicketEmailInterval is how often demo mode looks for CRM answers.
const demoTicketEmailInterval = 5 * time.Second

// applyDemoMailDefaults makes `portal serve -demo` produce every mail the
// portal can send (they go to the outbox, never to SMTP) with absolute
// links. A configuration handed over in Options.Test.Config (tests, the
// benchmark) keeps its e-mail switches as they are.
func applyDemoMailDefaults(cfg *config.Config, programmatic bool) {
	if !programmatic {
		cfg.Email.SendTicketEmail = true
		// A newcomer answering a ticket through /demo/tickets/{id}/answer
		// should not wait a minute for the mail.
		if cfg.Jobs.TicketEmailInterval == config.Default().Jobs.TicketEmailInterval {
			cfg.Jobs.TicketEmailInterval = demoTicketEmailInterval
		}
	}
	if cfg.Domain == "" && cfg.HTTP.Port != 0 {
		host := cfg.HTTP.Host
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		cfg.Domain = "http://" + net.JoinHostPort(host, strconv.Itoa(cfg.HTTP.Port))
	}
}

// mailOptions routes demo mode's mail to an in-memory outbox.
func (m *Main) mailOptions() []mail.Option {
	if !m.opts.Demo {
		return nil
	}
	m.DemoMail = mail.NewOutbox(demoOutboxSize, m.Logger.With("component", "mail"))
	return []mail.Option{mail.WithTransport(m.DemoMail)}
}

// demoMailbox keeps a nil *mail.Outbox out of the router's interface, so
// /demo/mail exists only in demo mode.
func (m *Main) demoMailbox() deliveryhttp.DemoMailbox {
	if m.DemoMail == nil {
		return nil
	}
	return m.DemoMail
}

func (m *Main) printDemoMail() {
	fmt.Fprintf(m.opts.Stdout, "mail: nothing is sent in demo mode; every e-mail (welcome, reset, tickets) is logged in full and listed at %s/demo/mail\n", m.URL())
	if m.services.ticketMail != nil && len(m.Demo.Tickets["acme"]) > 0 {
		fmt.Fprintf(m.opts.Stdout, "answer a ticket as the CRM would (then see the mail at /demo/mail): curl -s -X POST %s/demo/tickets/%s/answer -H 'Content-Type: application/json' -d '{\"text\":\"We are on it.\"}'\n",
			m.URL(), m.Demo.Tickets["acme"][0])
	}
}
