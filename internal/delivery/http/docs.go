package http

// The block below is swag's general API information (`make swagger` reads
// it from this file). Handler annotations live above each handler; the
// format is in /work/team/SWAG.md and TestSwaggerMatchesRouter keeps the
// spec and the router in step.

//	@title						Vtiger Customer Portal API
//	@version					1.0
//	@description				Customer portal backend for Vtiger CRM: sign-up and login, two-factor
//	@description				authentication, tickets, FAQ, invoices, quotes, sales orders, projects,
//	@description				service contracts, products, services, assets, documents, payments and
//	@description				notifications. Every customer sees only the records of their own contact
//	@description				and account. Errors are JSON {"error","field","message"}.
//	@contact.name				Portal maintainers
//	@license.name				Proprietary
//	@BasePath					/api/v1
//	@schemes					http https
//	@accept						json
//	@produce					json
//	@securityDefinitions.apikey	Bearer
//	@in							header
//	@name						Authorization
//	@description				Session token as "Bearer <token>" (from POST /users/login).
