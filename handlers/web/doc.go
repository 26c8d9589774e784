// Package web is what every screen needs, whatever its domain: the route
// type and who may reach a route, the request's session and member, the
// page layout (a full page, or the fragment an htmx request asks for), the
// form that comes back with its messages (422), the redirect after a POST
// with its confirmation, the CSRF token, the throttle's answer, and sending
// a PDF, a stored attachment or any other download (FormUploads,
// SendAttachment, ContentDisposition). The shell (package handlers) owns the middleware that
// fills the request; the domain packages (handlers/prs, …) only read it.
//
// Where it is tested: download.go, upload.go and pace.go beside them, on
// web_test.go's small app; csrf.go's token check and request.go's SafeNext
// by the fuzz targets in fuzz_test.go; kit.go, route.go, file.go, send.go
// and throttle.go through the screens that use them, in the shell's
// middleware_test.go and authz_test.go (every route as every role) and
// the domain packages' tests.
package web
