package domain

// IdempotentAnswer is the stored first answer to a POST sent with an
// Idempotency-Key. Done is false while the first request is still running.
type IdempotentAnswer struct {
	RequestHash []byte // nil when the first request's body could not be read to the end
	Status      int
	ContentType string
	Body        []byte
	Done        bool
}
