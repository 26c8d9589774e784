package jptext

import "testing"

func TestMunicipality(t *testing.T) {
	for in, want := range map[string]string{
		"東京都千代田区丸の内1-1":   "千代田区",
		"神奈川県横浜市中区山下町1":   "横浜市",
		"北海道余市郡余市町黒川町1":   "余市町",
		"和歌山県和歌山市一番丁1":    "和歌山市",
		"大阪府大阪市北区梅田1":     "大阪市",
		"長野県北佐久郡軽井沢町軽井沢1": "軽井沢町",
		"沖縄県島尻郡南大東村1":     "南大東村",
		"三重県四日市市諏訪町1":     "四日市市",
		"千葉県市川市八幡1":       "市川市",
		"":                "",
		"どこか":             "",
	} {
		if got := Municipality(in); got != want {
			t.Errorf("Municipality(%q) = %q, want %q", in, got, want)
		}
	}
}
