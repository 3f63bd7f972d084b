package http

import "github.com/go-chi/chi/v5"

// PaymentService is what the /payments routes need.
type PaymentService interface{}

// mountPayments registers /payments/* (owned by the payments feature).
func (s *Server) mountPayments(r chi.Router) {}
