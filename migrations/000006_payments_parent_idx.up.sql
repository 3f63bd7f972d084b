-- What is already paid on an Invoice or SalesOrder is summed over its
-- succeeded payments (PaymentStore.SucceededTotal), and a customer's
-- earlier attempts on it are read by parent too (ListByParentUser); both
-- start from parent_id, so neither scans the customer's whole history.
CREATE INDEX payments_parent_status_idx ON payments (parent_id, status);
