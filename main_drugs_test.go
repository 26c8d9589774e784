package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hotline/store"
)

// drugListCSV is a small list in the ministry's columns, one row per 区分.
const drugListCSV = "区分,薬価基準収載医薬品コード,成分名,規格,日本薬局方,麻薬,業者名追記,品名,メーカー名,診療報酬において加算等の算定対象となる後発医薬品,先発医薬品,同一剤形・規格の後発医薬品がある先発医薬品,薬価,経過措置による使用期限,備考\n" +
	"内用薬,1149019F1560,ロキソプロフェンナトリウム水和物,６０ｍｇ１錠,局,,,ロキソニン錠６０ｍｇ,第一三共,,先発品,○,10.4,,\n" +
	"注射薬,3311401A2017,生理食塩液,２０ｍＬ１管,局,,,生理食塩液,,,,,62,,\n" +
	"外用薬,2649735S3020,ロキソプロフェンナトリウム水和物,１０ｃｍ×１４ｃｍ１枚,,,,ロキソニンテープ１００ｍｇ,リードケミカル,,先発品,,17.6,,\n" +
	"歯科用薬剤,2710803U1044,リドカイン塩酸塩・アドレナリン,１．８ｍＬ１管,,,,オーラ注歯科用カートリッジ１．８ｍＬ,ジーシー昭和薬品,,,,82.1,,\n"

func TestDrugsImportCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.db")
	list := filepath.Join(dir, "mhlw-yakka-20250716.csv")
	if err := os.WriteFile(list, []byte(drugListCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// While the server holds the file, the command refuses at once.
	var out, errOut bytes.Buffer
	start := time.Now()
	err = run([]string{"drugs", "import", "--db", path, list}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "別のプロセスが使用中です") {
		t.Fatalf("while open: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("waited %v", time.Since(start))
	}
	db.Close()

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"drugs", "import", "--db", path}, "usage"},
		{[]string{"drugs", "list", "--db", path, list}, "usage"},
		{[]string{"drugs", "import", "--db", path + ".missing", list}, "見つかりません"},
		{[]string{"drugs", "import", "--db", path, list + ".missing"}, "開けません"},
		{[]string{"drugs", "import", "--db", path, path}, "薬価基準収載品目リスト"},
	} {
		if err := run(tc.args, &out, &errOut); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}

	out.Reset()
	errOut.Reset()
	if err := run([]string{"drugs", "import", list, "--db", path}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"薬価基準マスタを取り込みました（版 1）", "リストの日付: 2025-07-16（ファイル名から）",
		"内用薬 1・注射薬 1・外用薬 1・歯科用薬剤 1、計 4", "追加 4、削除 0、薬価変更 0", "除外した行: 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "4 / 4 行") {
		t.Errorf("progress: %q", errOut.String())
	}
	out.Reset()
	if err := run([]string{"drugs", "import", "--db", path, list}, &out, &errOut); err != nil || !strings.Contains(out.String(), "同じ内容でした") {
		t.Fatalf("again: %v\n%s", err, out.String())
	}
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, err := db.CurrentDrug("1149019F1560"); err != nil || d.Price.String() != "10.40" {
		t.Fatalf("stored: %+v %v", d, err)
	}
}
