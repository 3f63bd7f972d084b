package postgres

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// NotificationStore keeps per-user notifications.
type NotificationStore struct{ db *DB }

// NewNotificationStore returns the notifications store on db.
func NewNotificationStore(db *DB) *NotificationStore { return &NotificationStore{db: db} }

// InsertForRecipients stores n once for each of userIDs and reports how many
// rows were new. Re-importing the same CRM record is a no-op per user
// (unique crm_id, user_id), so an import interrupted half-way can simply run
// again. Ids of users that no longer exist are skipped.
func (s *NotificationStore) InsertForRecipients(ctx context.Context, n domain.NotificationInput, userIDs []int64) (int, error) {
	if len(userIDs) == 0 {
		return 0, nil
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `
		INSERT INTO notifications (crm_id, user_id, account_id, contact_id, module, label, description,
			related_id, assigned_user_id, created_at)
		SELECT NULLIF($1, ''), u.id, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now())
		FROM users u WHERE u.id = ANY($2::bigint[])
		ORDER BY u.id
		ON CONFLICT (crm_id, user_id) DO NOTHING`,
		n.CRMID, userIDs, n.AccountID, n.ContactID, n.Module, n.Label, n.Description,
		n.RelatedID, n.AssignedUserID, nullTime(n.CreatedAt))
	if err != nil {
		return 0, mapErr(err, "insert notifications")
	}
	return int(tag.RowsAffected()), nil
}

// ListForUser returns a page of the user's notifications, newest first,
// with the total and unread counts over all of them.
func (s *NotificationStore) ListForUser(ctx context.Context, userID int64, limit, offset int) (items []domain.Notification, total, unread int, err error) {
	if limit <= 0 {
		limit = 20
	}
	offset = max(offset, 0)
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	err = s.db.pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE NOT is_read) FROM notifications WHERE user_id = $1 AND NOT is_deleted`,
		userID).Scan(&total, &unread)
	if err != nil {
		return nil, 0, 0, mapErr(err, "count notifications")
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT id, COALESCE(crm_id, ''), user_id, account_id, contact_id, module, label, description,
			related_id, assigned_user_id, is_read, created_at, updated_at
		FROM notifications WHERE user_id = $1 AND NOT is_deleted
		ORDER BY created_at DESC, id DESC
		LIMIT $2 OFFSET $3`, userID, limit, offset)
	if err != nil {
		return nil, 0, 0, mapErr(err, "list notifications")
	}
	defer rows.Close()
	items = []domain.Notification{}
	for rows.Next() {
		var n domain.Notification
		if err := rows.Scan(&n.ID, &n.CRMID, &n.UserID, &n.AccountID, &n.ContactID, &n.Module, &n.Label,
			&n.Description, &n.RelatedID, &n.AssignedUserID, &n.IsRead, &n.CreatedAt, &n.UpdatedAt); err != nil {
			return nil, 0, 0, mapErr(err, "scan notification")
		}
		items = append(items, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, mapErr(err, "list notifications")
	}
	return items, total, unread, nil
}

// MarkRead marks one of the user's notifications read. Another user's
// notification is ENOTFOUND, indistinguishable from a missing one.
func (s *NotificationStore) MarkRead(ctx context.Context, userID, id int64) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx,
		`UPDATE notifications SET is_read = true WHERE id = $1 AND user_id = $2 AND NOT is_deleted`, id, userID)
	if err != nil {
		return mapErr(err, "mark notification read")
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("notification")
	}
	return nil
}

// MarkAllRead marks every notification of the user read and reports how
// many changed.
func (s *NotificationStore) MarkAllRead(ctx context.Context, userID int64) (int64, error) {
	return s.db.execCount(ctx, "mark all notifications read",
		`UPDATE notifications SET is_read = true WHERE user_id = $1 AND NOT is_read AND NOT is_deleted`, userID)
}

// Delete dismisses one of the user's notifications (DELETE
// /notifications/{id}). The row is only hidden, so re-importing the same CRM
// record does not bring it back. Another user's notification is ENOTFOUND.
func (s *NotificationStore) Delete(ctx context.Context, userID, id int64) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `UPDATE notifications SET is_deleted = true WHERE id = $1 AND user_id = $2 AND NOT is_deleted`, id, userID)
	if err != nil {
		return mapErr(err, "delete notification")
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("notification")
	}
	return nil
}
