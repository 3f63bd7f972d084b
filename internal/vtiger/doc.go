// Package vtiger is a client for Vtiger CRM's (and coreBOS's) webservice.php.
//
// # Sessions
//
// A Vtiger webservice session is a PHP session file, and PHP holds that file
// locked for the whole request, so calls on one sessionName run one at a
// time on the server no matter how many are sent. Parallelism needs several
// sessions. Logging in is itself racy: getchallenge replaces the user's
// previous token, so two logins of the same user interleaving their
// getchallenge/login pairs make one fail with INVALID_USER_CREDENTIALS.
//
// The Client therefore keeps a pool of Config.PoolSize sessions:
//
//   - sessions are created lazily, on the first call that borrows a slot
//     without one, and idle logged-in slots are preferred so a quiet
//     portal holds one session rather than PoolSize;
//   - every call borrows a slot for its whole duration, which also bounds
//     the calls in flight at PoolSize (more would only queue on the PHP lock);
//   - logins run one at a time (a client-wide login lock around
//     getchallenge+login), and a login that loses the token race to another
//     process is retried once with a fresh challenge;
//   - when Vtiger answers INVALID_SESSIONID, AUTHENTICATION_REQUIRED,
//     SESSION_EXPIRED or SESSION_LEFT_IDLE (the session file was garbage
//     collected), the borrowed slot is logged in again and the call retried
//     once. Vtiger rejected the call before running it, so this is safe even
//     for writes. A slot is re-logged only if it still holds the generation
//     that failed, and slots are exclusive while borrowed, so a burst of
//     callers that all hit expired sessions costs at most PoolSize logins.
//
// # Requests and replies
//
// Each operation is sent the way Vtiger reads its parameters: GET operations
// (getchallenge, listtypes, describe, retrieve, query, retrieve_related,
// query_related, relatedtypes, files_retrieve) only see the query string and
// POST operations (login, create, update, revise, delete, add_related, logout)
// only see the form body. Replies are always HTTP 200 with
// {success, result|error}; the decoder tolerates PHP notices before the JSON,
// raw control characters inside strings, [] where an object is expected and
// objects where a list is expected. Idempotent reads are retried with backoff
// on network errors, 5xx and undecodable replies; writes never are.
//
// # VTQL
//
// Select builds statements with escaped literals and checked identifiers.
// VTQL has no grouping parentheses, so nested And/Or are rewritten into an
// OR of ANDs, which Vtiger's flat condition list (AND binding tighter, as in
// MySQL) expresses exactly.
package vtiger
