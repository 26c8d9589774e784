// Package static holds the files served under /static and the font used in
// printed documents, embedded so the binary carries everything it needs.
package static

import "embed"

// Files are served under /static/ with a content hash in their names.
//
//go:embed css js fonts/IPA_Font_License_Agreement_v1.0.txt
var Files embed.FS

// IPAexGothic is the IPAex Gothic TrueType font (IPA Font License v1.0,
// fonts/IPA_Font_License_Agreement_v1.0.txt) embedded in every PDF.
//
//go:embed fonts/ipaexg.ttf
var IPAexGothic []byte
