package drugs_test

import (
	"bytes"

	"hotline/handlers/handlertest"
	"hotline/store"
)

func drugFiles(files ...handlertest.File) []store.DrugFile {
	out := make([]store.DrugFile, len(files))
	for i, f := range files {
		out[i] = store.DrugFile{Name: f.Name, R: bytes.NewReader(f.Data)}
	}
	return out
}

func importOpt() store.DrugImportOptions { return store.DrugImportOptions{Actor: "system"} }
