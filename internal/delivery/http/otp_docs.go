package http

// The /otp routes and their Swagger blocks. Each method only names a route
// and calls its implementation in otp.go, so the handlers there read
// without the annotations.

import "net/http"

// otpGenerate serves GET /otp/generate.
//
//	@Summary	Generate a TOTP secret (valid 5 minutes until verified)
//	@Tags		otp
//	@Security	Bearer
//	@Produce	json
//	@Success	201	{object}	accounts.OTPKey
//	@Failure	422	{object}	ErrorBody	"already enabled"
//	@Router		/otp/generate [get]
func (s *Server) otpGenerate(w http.ResponseWriter, r *http.Request) error {
	return s.generateOTP(w, r)
}

// otpVerify serves PATCH /otp/verify.
//
//	@Summary	Enable TOTP with a code from the new secret
//	@Tags		otp
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		OTPCodeRequest	true	"code"
//	@Success	202		{object}	accounts.User	"includes recovery_codes, shown once"
//	@Failure	422		{object}	ErrorBody
//	@Router		/otp/verify [patch]
func (s *Server) otpVerify(w http.ResponseWriter, r *http.Request, req OTPCodeRequest) error {
	return s.enableOTP(w, r, req)
}

// otpDisable serves PATCH /otp/disable.
//
//	@Summary	Disable TOTP
//	@Tags		otp
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		OTPCodeRequest	true	"code, recovery code, or password"
//	@Success	202		{object}	accounts.User
//	@Failure	422		{object}	ErrorBody
//	@Router		/otp/disable [patch]
func (s *Server) otpDisable(w http.ResponseWriter, r *http.Request, req OTPCodeRequest) error {
	return s.disableOTP(w, r, req)
}

// otpValidate serves PATCH /otp/validate.
//
//	@Summary	Validate a TOTP (or recovery) code for the login token
//	@Description	Accepts the bearer token or the HttpOnly cookie set by login.
//	@Tags		otp
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		OTPCodeRequest	true	"code"
//	@Success	202		{object}	accounts.User
//	@Failure	401		{object}	ErrorBody
//	@Failure	422		{object}	ErrorBody
//	@Failure	429		{object}	ErrorBody
//	@Router		/otp/validate [patch]
func (s *Server) otpValidate(w http.ResponseWriter, r *http.Request, req OTPCodeRequest) error {
	return s.validateOTP(w, r, req)
}
