package http

// The block below is swag's general API information (`make swagger` reads
// it from this file). Handler annotations live in one *_docs.go per area,
// on the route methods the router mounts, which call the implementations
// in the area's handler file. The format is swaggo/swag's declarative
// comments (github.com/swaggo/swag, "Declarative Comments Format");
// TestSwaggerMatchesRouter keeps the spec and the router in step.

//	@title						Vtiger Customer Portal API
//	@version					1.0
//	@description				Customer portal backend for Vtiger CRM: sign-up and login, two-factor
//	@description				authentication, tickets, FAQ, invoices, quotes, sales orders, projects,
//	@description				service contracts, products, services, assets, documents, payments and
//	@description				notifications. Every customer sees only the records of their own contact
//	@description				and account. Errors are JSON {"error","field","message"}; a 503 carries
//	@description				Retry-After. Send an Idempotency-Key header (a fresh UUID per intended
//	@description				write) with every authenticated POST and reuse it when retrying after a
//	@description				timeout or a lost connection: the first answer is kept for 24 hours and
//	@description				replayed (header Idempotent-Replayed: true) instead of writing twice; the
//	@description				same key with a different request is 422, and 409 while the first is
//	@description				still running. 5xx, 429, 401 and 409 answers are not kept.
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
