package http

import "github.com/go-chi/chi/v5"

// CRMService is what the CRM data routes need (the module engine).
type CRMService interface{}

// mountCRM registers tickets, projects, invoices… (owned by the module engine feature).
func (s *Server) mountCRM(r chi.Router) {}
