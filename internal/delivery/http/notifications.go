package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/notifications"
)

// NotificationService is what the /notifications routes need (notifications.Service).
type NotificationService interface {
	List(ctx context.Context, cust domain.Customer, page, size int) (items []domain.Notification, total, unread int, err error)
	MarkRead(ctx context.Context, cust domain.Customer, id int64) error
}

var _ NotificationService = (*notifications.Service)(nil)

// mountNotifications registers /notifications.
func (s *Server) mountNotifications(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireAuth)
		r.Get("/notifications", s.handle(s.listNotifications))
		r.Delete("/notifications/{id}", s.handle(s.readNotification))
	})
}

// NotificationJSON is one notification.
type NotificationJSON struct {
	ID             int64     `json:"id"`
	CRMID          string    `json:"crmid"`
	Module         string    `json:"module"`
	Label          string    `json:"label"`
	Description    string    `json:"description"`
	RelatedID      string    `json:"related_id"`
	AssignedUserID string    `json:"assigned_user_id"`
	IsRead         bool      `json:"is_read"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// NotificationList is the list envelope plus the unread count.
type NotificationList struct {
	Data   []NotificationJSON `json:"data"`
	Count  int                `json:"count"`
	Page   int                `json:"page"`
	Size   int                `json:"size"`
	Unread int                `json:"unread"`
}

// notificationList lists the user's notifications, newest first.
func (s *Server) notificationList(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageQuery(r, 100, 100)
	if err != nil {
		return err
	}
	out := NotificationList{Data: []NotificationJSON{}, Page: page, Size: size}
	if s.Notifications != nil {
		items, total, unread, err := s.Notifications.List(r.Context(), customer(r), page, size)
		if err != nil {
			return err
		}
		out.Count, out.Unread = total, unread
		for _, n := range items {
			out.Data = append(out.Data, NotificationJSON{
				ID: n.ID, CRMID: n.CRMID, Module: n.Module, Label: n.Label, Description: n.Description,
				RelatedID: n.RelatedID, AssignedUserID: n.AssignedUserID, IsRead: n.IsRead,
				CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC(),
			})
		}
	}
	return reply(w, http.StatusOK, out, nil)
}

// markNotificationRead marks one of the user's notifications read.
func (s *Server) markNotificationRead(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Invalid("id", "invalid notification number")
	}
	if s.Notifications == nil {
		return domain.NotFound("notification")
	}
	err = s.Notifications.MarkRead(r.Context(), customer(r), id)
	return reply(w, http.StatusNoContent, nil, err)
}
