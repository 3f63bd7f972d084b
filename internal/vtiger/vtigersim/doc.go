// Package vtigersim is an in-memory simulator of Vtiger CRM 8.4's
// webservice.php, faithful to what a real 8.4.0 answered (see
// the project notes on observed Vtiger behaviour and the captured samples in
// internal/vtiger/testdata/vtiger-samples that its conformance test
// replays). It speaks HTTP only, so it serves as the CRM for tests of the
// vtiger client and everything built on it (httptest.NewServer(vtigersim.New(…))).
//
// Simulated: getchallenge/login (md5(token+accessKey), one live token per
// user, tokens not consumed by login), logout, extendsession (always
// AUTHENTICATION_FAILURE), listtypes, describe (captured 8.4 metadata plus
// AddModule/AddField), create (multipart Documents uploads included), retrieve,
// update, revise, delete, query (a real VTQL parser: mandatory ";", 100-row cap,
// the observed error codes and messages), retrieve_related, query_related,
// relatedtypes, add_related and files_retrieve. GET/POST parameters are read
// only from the place PHP reads them, responses are HTTP 200 JSON encoded like
// Zend_Json (control characters unescaped), and unknown operations give HTTP 500
// with an empty HTML body. Stock 8.4 bugs are reproduced: count(*) answers [],
// inventory and Users create fail with INVALID_ID_ATTRIBUTE, missing records
// give ACCESS_DENIED; Options.Version "7.x" switches to the older behaviour.
//
// Knobs: Options.Latency/Jitter (per call), MaxConcurrent (PHP workers; more
// calls queue), SessionLifetime (idle expiry), calls on one session are served
// one at a time like PHP's session file lock, InjectFault (HTTP 500, HTML
// fatal error, lost session, hang, PHP notice before the JSON), ExpireSessions,
// and counters (Calls, Logins, MaxConcurrentSeen, ConcurrentLogins).
//
// Not simulated: sharing rules and profiles beyond "admin sees all, other
// users are read-only and cannot see Users", duplicate prevention, workflows,
// sync/retrieve_inventory/convertlead/changePassword (they answer HTTP 500 like
// the PHP 8 failures), Calendar/Events activity-type filtering, LineItems_FinalDetails
// beyond per-line totals, tags, and the Customer Portal api.php.
package vtigersim
