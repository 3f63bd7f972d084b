package app

import (
	"context"
	"fmt"
	"strings"

	deliveryhttp "github.com/portalcrm/vtiger-portal/internal/delivery/http"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// demoCRM writes into the simulator as the demo's CRM manager would in
// Vtiger's UI.
type demoCRM struct {
	sim  *vtigersim.Server
	demo *vtigersim.Demo
}

var _ deliveryhttp.DemoCRM = demoCRM{}

func (d demoCRM) AnswerTicket(_ context.Context, ticketID, text string) (string, error) {
	rec, ok := d.sim.Get(ticketID)
	if _, isTicket := rec["ticket_no"]; !ok || !isTicket {
		return "", domain.NotFound("ticket")
	}
	mgr := d.demo.ManagerUserID
	id, err := d.sim.Insert("ModComments", map[string]string{
		"related_to": ticketID, "commentcontent": strings.TrimSpace(text), "is_private": "0",
		"creator": mgr, "assigned_user_id": mgr,
	})
	if err != nil {
		return "", fmt.Errorf("demo comment: %w", err)
	}
	return id, nil
}

// demoCRMService is the router's DemoCRM in demo mode, nil otherwise.
func (m *Main) demoCRMService() deliveryhttp.DemoCRM {
	if !m.opts.Demo || m.Sim == nil || m.Demo == nil {
		return nil
	}
	return demoCRM{sim: m.Sim, demo: m.Demo}
}
