package drugs_test

import (
	"bytes"
	"fmt"

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

// paddedList is the small list and generated oral drugs up to n rows (a
// copy: tests change it).
func paddedList(n int) []map[string]string {
	var out []map[string]string
	for _, m := range handlertest.DrugList {
		c := map[string]string{}
		for k, v := range m {
			c[k] = v
		}
		out = append(out, c)
	}
	for i := len(out); i < n; i++ {
		out = append(out, map[string]string{"区分": "内用薬", "薬価基準収載医薬品コード": fmt.Sprintf("3999%03dF1%03d", i/1000+100, i%1000),
			"成分名": "テスト成分", "規格": "１ｍｇ１錠", "品名": fmt.Sprintf("テスト錠%d", i), "薬価": "5.7"})
	}
	return out
}

// byCategory splits a list into one list per 区分, as the ministry
// publishes its xlsx files.
func byCategory(list []map[string]string) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for _, m := range list {
		out[m["区分"]] = append(out[m["区分"]], m)
	}
	return out
}
