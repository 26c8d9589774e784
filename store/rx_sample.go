package store

import (
	"strings"
)

// SampleDrugListCSV is a few rows of the MHLW list as published (the
// 2025-07-16 list), for tests of prescriptions and the demo data: two
// drugs of one 成分名 (a 先発品 and its generic), two of one 薬効分類
// (2171 血管拡張剤) with different 成分名, analgesics, a 外用薬 and a
// hypnotic.
const SampleDrugListCSV = `区分,薬価基準収載医薬品コード,成分名,規格,日本薬局方,麻薬,業者名追記,品名,メーカー名,診療報酬において加算等の算定対象となる後発医薬品,先発医薬品,同一剤形・規格の後発医薬品がある先発医薬品,薬価,経過措置による使用期限,備考
内用薬,1141007F1063,アセトアミノフェン,２００ｍｇ１錠,,,,カロナール錠２００,あゆみ製薬,後発品,,,6.7,,
内用薬,1149019F1560,ロキソプロフェンナトリウム水和物,６０ｍｇ１錠,局,,,ロキソニン錠６０ｍｇ,第一三共,,先発品,○,10.4,,
内用薬,2171022F5032,アムロジピンベシル酸塩,１０ｍｇ１錠,局,,,ノルバスク錠１０ｍｇ,ヴィアトリス製薬,,先発品,○,16.9,,
内用薬,2171022F5180,アムロジピンベシル酸塩,１０ｍｇ１錠,局,,,アムロジピン錠１０ｍｇ「サワイ」,沢井製薬,後発品,,,12.8,,
内用薬,2171014F1113,ニフェジピン,１０ｍｇ１錠,,,,ニフェジピン錠１０ｍｇ「ツルハラ」,鶴原製薬,後発品,,,6.1,,
内用薬,2329021F1102,レバミピド,１００ｍｇ１錠,局,,,ムコスタ錠１００ｍｇ,大塚製薬,,先発品,,10.4,,
内用薬,1124007F2026,トリアゾラム,０．２５ｍｇ１錠,,,,ハルシオン０．２５ｍｇ錠,ファイザー,,先発品,○,7.8,,
外用薬,2649735S3020,ロキソプロフェンナトリウム水和物,１０ｃｍ×１４ｃｍ１枚,,,,ロキソニンテープ１００ｍｇ,リードケミカル,,先発品,,17.6,,
`

// ImportSampleDrugs imports SampleDrugListCSV as the drug master (tests
// and demo data).
func (db *DB) ImportSampleDrugs() error {
	_, err := db.ImportDrugs([]DrugFile{{Name: "mhlw-yakka-20250716.csv", R: strings.NewReader(SampleDrugListCSV)}},
		DrugImportOptions{Actor: "system", Remote: "127.0.0.1"})
	return err
}
