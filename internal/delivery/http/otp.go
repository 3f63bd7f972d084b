package http

import "github.com/go-chi/chi/v5"

// OTPService is what the /otp routes need.
type OTPService interface{}

// mountOTP registers /otp/* (owned by the accounts feature).
func (s *Server) mountOTP(r chi.Router) {}
