package http

// The /users routes and their Swagger blocks. Each method only names a
// route and calls its implementation in users.go, so the handlers there
// read without the annotations.

import "net/http"

// register serves POST /users.
//
//	@Summary	Register with a CRM registration code
//	@Tags		users
//	@Accept		json
//	@Produce	json
//	@Param		body	body		RegisterRequest	true	"e-mail, code, password"
//	@Success	201		{object}	accounts.User
//	@Failure	422		{object}	ErrorBody
//	@Failure	429		{object}	ErrorBody
//	@Router		/users/ [post]
func (s *Server) register(w http.ResponseWriter, r *http.Request, req RegisterRequest) error {
	return s.registerUser(w, r, req)
}

// login serves POST /users/login.
//
//	@Summary	Log in
//	@Tags		users
//	@Accept		json
//	@Produce	json
//	@Param		body	body		LoginRequest	true	"credentials"
//	@Success	201		{object}	accounts.LoginResult
//	@Failure	422		{object}	ErrorBody	"wrong e-mail or password (one answer for both)"
//	@Failure	403		{object}	ErrorBody	"account disabled"
//	@Failure	429		{object}	ErrorBody
//	@Router		/users/login [post]
func (s *Server) login(w http.ResponseWriter, r *http.Request, req LoginRequest) error {
	return s.loginUser(w, r, req)
}

// logout serves POST and GET /users/logout.
//
//	@Summary	Log out (revoke the token)
//	@Tags		users
//	@Security	Bearer
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Router		/users/logout [post]
//	@Router		/users/logout [get]
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	return s.revokeSession(w, r)
}

// restore serves POST /users/restore.
//
//	@Summary	Request a password reset e-mail
//	@Tags		users
//	@Accept		json
//	@Produce	json
//	@Param		body	body		RestoreRequest	true	"e-mail"
//	@Success	201		{object}	PingResponse
//	@Failure	422		{object}	ErrorBody
//	@Failure	429		{object}	ErrorBody
//	@Router		/users/restore [post]
func (s *Server) restore(w http.ResponseWriter, r *http.Request, req RestoreRequest) error {
	return s.requestPasswordReset(w, r, req)
}

// resetPassword serves PUT /users/password.
//
//	@Summary	Set a new password with a reset token
//	@Tags		users
//	@Accept		json
//	@Produce	json
//	@Param		body	body		ResetPasswordRequest	true	"token and new password"
//	@Success	202		{object}	PasswordResetResponse	"every session of the user was logged out"
//	@Failure	422		{object}	ErrorBody
//	@Router		/users/password [put]
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, req ResetPasswordRequest) error {
	return s.resetPasswordWithToken(w, r, req)
}

// getProfile serves GET /users/my.
//
//	@Summary	My profile
//	@Tags		users
//	@Security	Bearer
//	@Produce	json
//	@Success	200	{object}	dataEnvelope{data=accounts.User}
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody	"OTP Required"
//	@Router		/users/my [get]
func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) error {
	return s.profile(w, r)
}

// updateProfile serves PUT /users/my.
//
//	@Summary	Update my profile or password
//	@Tags		users
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		object	true	"firstname, lastname, email, description, title, department, mailing*/other*, phone, imagename, imagecontent (data URL); or old_password, password, confirmPassword"
//	@Success	202		{object}	accounts.User	"after a password change with sessions_revoked (other logins logged out; this one stays) and message"
//	@Failure	413		{object}	ErrorBody	"imagecontent larger than 512 KiB"
//	@Failure	422		{object}	ErrorBody
//	@Router		/users/my [put]
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request, body map[string]any) error {
	return s.changeProfile(w, r, body)
}

// getAccount serves GET /users/my/account.
//
//	@Summary	My organisation
//	@Tags		users
//	@Security	Bearer
//	@Produce	json
//	@Success	200	{object}	dataEnvelope{data=object}
//	@Failure	404	{object}	ErrorBody	"the contact has no organisation"
//	@Router		/users/my/account [get]
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	return s.organisation(w, r)
}

// colleagues serves GET /users/all.
//
//	@Summary	Colleagues (contacts of my organisation)
//	@Tags		users
//	@Security	Bearer
//	@Produce	json
//	@Param		page	query		int	false	"1-based page"
//	@Param		size	query		int	false	"page size (default 100)"
//	@Success	200		{object}	ListEnvelope{data=[]accounts.Colleague}
//	@Router		/users/all [get]
func (s *Server) colleagues(w http.ResponseWriter, r *http.Request) error {
	return s.listColleagues(w, r)
}

// getSettings serves GET /users/settings.
//
//	@Summary	My settings
//	@Tags		users
//	@Security	Bearer
//	@Produce	json
//	@Success	200	{object}	map[string]bool
//	@Router		/users/settings [get]
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	return s.settings(w, r)
}

// updateSettings serves PATCH /users/settings.
//
//	@Summary	Change settings
//	@Tags		users
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Param		body	body		map[string]bool	true	"setting → value"
//	@Success	202		{object}	map[string]bool
//	@Failure	422		{object}	ErrorBody
//	@Router		/users/settings [patch]
func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request, body map[string]any) error {
	return s.changeSettings(w, r, body)
}
