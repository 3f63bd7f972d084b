package http

import "github.com/go-chi/chi/v5"

// NotificationService is what the /notifications routes need.
type NotificationService interface{}

// mountNotifications registers /notifications (owned by the notifications feature).
func (s *Server) mountNotifications(r chi.Router) {}
