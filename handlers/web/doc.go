// Package web is what every screen needs: small helpers that take a
// *fiber.Ctx and do one thing the same way on every page — so far the
// files of a multipart form (FormUploads) and sending a stored attachment
// or any other download (SendAttachment, ContentDisposition). It depends
// only on Fiber, fasthttp and the store; it holds no server state.
package web
