package http

// The /notifications routes and their Swagger blocks. Each method only
// names a route and calls its implementation in notifications.go, so the
// handlers there read without the annotations.

import "net/http"

// listNotifications serves GET /notifications.
//
//	@Summary	My notifications
//	@Tags		notifications
//	@Security	Bearer
//	@Produce	json
//	@Param		page	query		int	false	"1-based page"
//	@Param		size	query		int	false	"page size (default 100)"
//	@Success	200		{object}	NotificationList
//	@Router		/notifications [get]
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) error {
	return s.notificationList(w, r)
}

// readNotification serves DELETE /notifications/{id}.
//
//	@Summary	Mark a notification read
//	@Tags		notifications
//	@Security	Bearer
//	@Param		id	path	int	true	"notification id"
//	@Success	204
//	@Failure	404	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router		/notifications/{id} [delete]
func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) error {
	return s.markNotificationRead(w, r)
}
