"""The benchmark registry: where each benchmark's release comes from and how it is laid out.

``wicdistill data download`` installs a benchmark into a folder of the data cache laid out like
the project's development data (``wic/dev/dev.data.txt``, ``mcl-wic/dev/multilingual/…``), which
is what ``tasks.py`` names. Each benchmark records its release files (URL, the sha256 of the
downloaded file where known, and which member of an archive fixes its layout), its licence and
citation, and the sha256 of the unpacked files the loaders read where a verified copy existed.

Where the pins come from: no official archive was available offline, so no archive hash is pinned
except for single-file releases. The per-file pins (``sha256``) were computed from the project's
development copies, which their PROVENANCE.md records as extracted unchanged from the releases
named here; files those copies lack (test splits, held-out sets) have no pin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["BENCHMARKS", "Benchmark", "Release", "benchmark_for_path"]


@dataclass(frozen=True)
class Release:
    """One file of a release.

    ``anchor`` is a path, relative to the archive's content root, that only that root holds (e.g.
    ``dev/dev.data.txt``): whatever folder wraps it in the archive is stripped, and the root's
    content goes to ``target`` inside the benchmark folder. A release without an anchor is a plain
    file copied to ``target``. ``url`` None: there is no direct download; install with ``--from``.
    """

    filename: str
    url: str | None
    sha256: str | None = None
    anchor: str | None = None
    target: str = ""


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    folder: str
    releases: tuple[Release, ...]
    licence: str
    citation: str
    homepage: str
    sha256: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def downloadable(self) -> bool:
        return all(release.url for release in self.releases)


def benchmark_for_path(relative: str) -> Benchmark | None:
    """The benchmark whose folder holds ``relative`` (a task's file, relative to a data folder)."""
    for benchmark in BENCHMARKS.values():
        if relative == benchmark.folder or relative.startswith(benchmark.folder + "/"):
            return benchmark
    return None


_STSWIKI = "http://ixa2.si.ehu.es/stswiki/images"
_MCL_WIC = "https://github.com/SapienzaNLP/mcl-wic/raw/30d05d85a9902081bec8ca2eb2ba552e7570b1e7"
_STS_EVAL = "https://github.com/eduardofv/sts_eval/raw/b4cd273eb2c6cc0de34ebeffebd12ebf155ecff6/data/sources"
_STS_GOLD_LICENCE = "CC BY-SA 4.0 (gold scores); the sentences keep their sources' licences"
_STS_YEARS = {
    12: (
        "4/40/STS2012-en-test.zip",
        "STS.input.MSRpar.txt",
        "Agirre, Cer, Diab & Gonzalez-Agirre (2012). SemEval-2012 Task 6: A Pilot on Semantic "
        "Textual Similarity. *SEM 2012.",
    ),
    13: (
        "2/2f/STS2013-en-test.zip",
        "STS.input.headlines.txt",
        "Agirre, Cer, Diab, Gonzalez-Agirre & Guo (2013). *SEM 2013 shared task: Semantic Textual "
        "Similarity. *SEM 2013.",
    ),
    14: (
        "8/8c/STS2014-en-test.zip",
        "STS.input.images.txt",
        "Agirre et al. (2014). SemEval-2014 Task 10: Multilingual Semantic Textual Similarity. SemEval 2014.",
    ),
    15: (
        "d/da/STS2015-en-test.zip",
        "STS.input.images.txt",
        "Agirre et al. (2015). SemEval-2015 Task 2: Semantic Textual Similarity, English, Spanish "
        "and Pilot on Interpretability. SemEval 2015.",
    ),
    16: (
        "9/98/STS2016-en-test.zip",
        "STS2016.input.headlines.txt",
        "Agirre et al. (2016). SemEval-2016 Task 1: Semantic Textual Similarity, Monolingual and "
        "Cross-Lingual Evaluation. SemEval 2016.",
    ),
}
_STS17_CITATION = (
    "Cer, Diab, Agirre, Lopez-Gazpio & Specia (2017). SemEval-2017 Task 1: Semantic Textual "
    "Similarity Multilingual and Cross-lingual Focused Evaluation. SemEval 2017."
)


def _sts_year(year: int) -> Benchmark:
    path, anchor, citation = _STS_YEARS[year]
    return Benchmark(
        name=f"sts{year}",
        title=f"SemEval STS 20{year} (English test sets with gold)",
        folder=f"sts12-16/STS{year}",
        releases=(Release(path.rsplit("/", 1)[1], f"{_STSWIKI}/{path}", anchor=anchor, target="test"),),
        licence=_STS_GOLD_LICENCE,
        citation=citation,
        homepage="http://ixa2.si.ehu.eus/stswiki",
        sha256=_PINNED[f"sts{year}"],
    )


_PINNED: dict[str, dict[str, str]] = {
    "wic": {
        "dev/dev.data.txt": "1c360246ffa3904fc1d8f6f16bb7ae0d7980a1a27e9200e9b43c32fd35af11e7",
        "dev/dev.gold.txt": "665ee959c2cf7db2a4255b7a049bdfa165b970482145cfd2ac456007d4dcf1d6",
        "train/train.data.txt": "3a56ff8285ca9703d6c91dfb7cc79760171899c560bb6a8698fa4559a71b160d",
        "train/train.gold.txt": "3f614ca12c03a90fecc34471d8ae666f924a3c657b5620fcfb46d9b2b50bb7b2",
    },
    "mcl-wic": {
        "dev/multilingual/dev.ar-ar.data": "5654da871a264f402a3651f6eae74a298d7a2ee54cd3dce6d427f6c98812340c",
        "dev/multilingual/dev.ar-ar.gold": "c592de68c9dece449791b95563969851f56a1be56b549bd484797a1d97409dec",
        "dev/multilingual/dev.en-en.data": "54b90966d29cc47c12e2790514f7019155d3203c4871b17999762672cc197cee",
        "dev/multilingual/dev.en-en.gold": "3b52abbe9c81e72d74348b8877ad0b23cd6ff6246d03471c9ceeb526a49f5486",
        "dev/multilingual/dev.fr-fr.data": "a8c5f00775ff1428bea52afa5684d2eec942b221450b211732f002732c43e131",
        "dev/multilingual/dev.fr-fr.gold": "ba08b95dc8010020e7cc753ecff8d5b9d3138f8192339edc8c3988c2c0d5d5b7",
        "dev/multilingual/dev.ru-ru.data": "afc9599594339f15613516d5f27c5414da70b411ab3fd40395a57bc0ec232544",
        "dev/multilingual/dev.ru-ru.gold": "e247dc272af7522eabfbf5549462eb781154509834b1cba8a1d3c8b98939b11e",
        "dev/multilingual/dev.zh-zh.data": "9fe79d2649031cf7834bcdcff45d01b7c537c55ca417043d59b1ab798af83624",
        "dev/multilingual/dev.zh-zh.gold": "2779df7d4fb779604caadfac1796284a03957293fc9c5fa62113c1c1f54328fe",
        "trial/crosslingual/trial.en-ar.data": "617b698298760956d8f7d5267a1e6a16a049b295b43e9e2bc6301253b1d1674f",
        "trial/crosslingual/trial.en-ar.gold": "fa5368fee7c3d6aae7d2ea924a0d7e0e843600165e60bb11bd13bfbfe3e000aa",
        "trial/crosslingual/trial.en-fr.data": "69262c8b3db02afe92cf10cd88fb31a612e065f7a1048adba4f65b01c47603d0",
        "trial/crosslingual/trial.en-fr.gold": "b3b0fef88d77010c40c3c76cd60743b220574ff3057a2b1b3d3d225aba33f9bd",
        "trial/crosslingual/trial.en-ru.data": "7187d8c53be45f8b19438ce3ac913e5b1948e19f222f121ba534989972438d73",
        "trial/crosslingual/trial.en-ru.gold": "728d2520f517e8cb84564ac3bfff2f91fd3dcf095be31dd669f9c943784fd301",
        "trial/crosslingual/trial.en-zh.data": "4c023b6d29995715324e76e556831eb5a972d186ff271349fefffb8580f9d3fc",
        "trial/crosslingual/trial.en-zh.gold": "f412716b7efec5cca024f628518cb7a8483bf199d8d2c7681ca10f0436450171",
        "trial/multilingual/trial.ar-ar.data": "c9c5e8160116fc638a6a30dfaae17a3e09c5f9a33164b161ac465cfcda944e6c",
        "trial/multilingual/trial.ar-ar.gold": "99a8f9977d058975cb3c0674166a4f3eb1ba52044da4907d9b3313496e146a72",
        "trial/multilingual/trial.en-en.data": "8dcbdb2441905c870f16f1c8ac3aaded74832402c5d45f148ec11137922fd62b",
        "trial/multilingual/trial.en-en.gold": "b5393f58846c5000d8fca0ce61fbb3d48285528a2ef3f6d593aa21b49b11efed",
        "trial/multilingual/trial.fr-fr.data": "22c85180be7972c4594604523f20c35284fdc8592f6684320a97b74916d7ec5b",
        "trial/multilingual/trial.fr-fr.gold": "5d32fdbab5e40170af66923688346599ff6866fa8c8ef94f8afc923d58c0f802",
        "trial/multilingual/trial.ru-ru.data": "ae004bb3d5160e4b20415d86670df3191fc040ea7093d55c3bcb5c1c302c5184",
        "trial/multilingual/trial.ru-ru.gold": "6d31d81bb407f3dcd82f1e2958a2f3066a0d0d70f5790206f1827f9a3d0b910c",
        "trial/multilingual/trial.zh-zh.data": "65277b891ec3c39e8b92147bd34d18b7c65863beaf28530849c4f2e7fefb6a81",
        "trial/multilingual/trial.zh-zh.gold": "5e70e0f4bd1771dd67f39a31133a2d81e9b02ae51a8aa2a2ecd726f305306a97",
    },
    "am2ico": {
        "ar/dev.tsv": "820809a5807c46f38a85e43a87c3200689eca178607057c88d798c331570925d",
        "bn/dev.tsv": "c479dffa2d06eb993084502d2be4cc74720cd98caf3bb54769b01a3f1c689b3c",
        "de/dev.tsv": "96bba3bbede13e84fe7126af71d62529806c20d8c758077b11ffbc5e77f1e22d",
        "de/dev_larger.tsv": "d1e3ca7f464287efcfbf4902a24a0bad7af4eaa2077da98f071b637b8059947a",
        "eu/dev.tsv": "a411a3fd34c4edc9c7ce1e58e3642e266a5a458220705f9464c07e3af890ed62",
        "eu/train.tsv": "0e9cfbb218cc81e78fb4a71fad99d22b544cf6b4b1552f597321f83bc61eb533",
        "fi/dev.tsv": "e04ed7055bead8e0e359d53c547bba8df58d4ecdc1ada1b5843ccf08cbd984af",
        "fi/train.tsv": "552cd9e7752638eed28623effeef8656fbc884b1fec54e4ff666e95ec2a08134",
        "id/dev.tsv": "fd44492fc4d295035260b58c05971ca5052b47ec550e326072371bb7a7cb84a0",
        "id/train.tsv": "1b194b4b823c91c0c8410417aa1e8d8624914dffd1b38309a1535221e964894b",
        "ja/dev.tsv": "c11278aba027caf511ebd6ec620f342d1a014ddb100a3c94becbbb85f930f547",
        "ka/dev.tsv": "b32da4fa1a18c6db696d1006c27d6fd88cb97907df6c668268e5b3f7f1ccc1aa",
        "ka/train.tsv": "50130978ad8e09601e69860da6766150b801ec87181d40f4220d34bd0793fcf1",
        "kk/dev.tsv": "70c75ca42599468ad04783c255ca99cfa84bd8f949ecc13ef30c7c21366608eb",
        "ko/dev.tsv": "98c58d6bab42f0eca6b2e8d2cf0d179f61c39f25067912ca5b27441d84d2cead",
        "ru/dev.tsv": "667a791f49a5f874b3d46d7a2291637dce915a301b1c2ad67aa6594f4d71bd61",
        "tr/dev.tsv": "d16066fbfa43d170e7d118302fa698481ec29b40054c1ef4add53475bdd4e08c",
        "tr/train.tsv": "89c9baa07c162c482a96da8bde01cc4d2280a1a941f7799983e6e72e2c077908",
        "ur/dev.tsv": "a68a1d7d5750ae327b878e9e71e12201b6831efb018f5712f7def1b9cc3ea1c1",
        "zh/dev.tsv": "53497106b86103734b29058495b37057de95054b8e4fa3c668d03ed9fc12ed2d",
    },
    "scws": {
        "scws.txt": "7b5f6b78c30fa5149978ba37abef757501c7d7cf0da55f4edd1ea0a88fea2a5b",
    },
    "sts12": {
        "test/STS.gs.ALL.txt": "5bcbfda125ad56a1b924763482420b585bea9bf74dc2c18d88d62cd6d2e3422f",
        "test/STS.gs.MSRpar.txt": "5526be59228bc34ccb3cb6f1f56c0d7278d3419b8886713ae016fd92b151f19c",
        "test/STS.gs.MSRvid.txt": "9c6096c6bcfb0144c8bbddb00900ca9198c88498630cd0c8f08d18365f1d7150",
        "test/STS.gs.SMTeuroparl.txt": "708530c4d006d06881f3289fce35d624d7efe562dcf0fe5f8aa0eec3a135f6d4",
        "test/STS.gs.surprise.OnWN.txt": "088d8ca22c0aa406e4a5d2e6e308a4f38b482b8e736c2445a38ffb6e4c4fb4fd",
        "test/STS.gs.surprise.SMTnews.txt": "aa6dfc868db333c43dc59be14d46fa6587c7ebddc0d497e717f647bf35121cf1",
        "test/STS.input.MSRpar.txt": "76bf7089f9e7c05732163a227b3ce679512554513eb783f2548b07d659bd733d",
        "test/STS.input.MSRvid.txt": "476d14034a241f71b832e4ae557dd6cdbe265b57c915570a2583f93b4456948d",
        "test/STS.input.SMTeuroparl.txt": "dd31dbb6e7eef8a0d00347fe012f7cf372943167e30f60f6fb3b10219a41941f",
        "test/STS.input.surprise.OnWN.txt": "07ec7b91348aece0873b41f7fc4e76e9fddf05bdb82c048c98d92f5db0bec07d",
        "test/STS.input.surprise.SMTnews.txt": "2788a98ef33c3b7b704ef4891fe863cfcf061338e8aa41cb737d0f137f3ba03c",
    },
    "sts13": {
        "test/STS.gs.FNWN.txt": "8ca95b7228119578e2007839cf7969f22c4f1fd41fd610c4b7f9683072d98066",
        "test/STS.gs.OnWN.txt": "0cd497aaddb00a2fb6db25f77bccfc09e8aa012e11549b81b434bab1a27ad954",
        "test/STS.gs.SMT.txt": "a09775ba2fafc9cbe0a7d0a08f0c729789b0d6c99dc4867a86b45b71a73f004e",
        "test/STS.gs.headlines.txt": "f49f64089011436dd296ef384c07160219406feef7dc4b9fa2af52a519f32bc6",
        "test/STS.input.FNWN.txt": "b48fc64cd85703ac6431f8ea6722f325fe9620fd4f33b3d5c24dd89c553e74bc",
        "test/STS.input.OnWN.txt": "127c66889627f26dc11864dc9be4ba1e4895ed60125985c755429ad588e4b9c8",
        "test/STS.input.headlines.txt": "885e6149fff28a79591ba464c13626d03593b822c88c7c04b6564354d31c7561",
    },
    "sts14": {
        "test/STS.gs.OnWN.txt": "1c80147df270ea4cfce14a47ed29f8a2f10d5dc016d02836077fd786ff7f535b",
        "test/STS.gs.deft-forum.txt": "ba6dc76696b5c93985590a325b4d142449932cdf0d715b2bab1b1743fe3c488c",
        "test/STS.gs.deft-news.txt": "105c5b333abd50c274efb4dae9e3e0dab36ed63eee780cfb49955b1586bd62f2",
        "test/STS.gs.headlines.txt": "f243c34647255cd0b994565ed4f58dd31506e7d9c9d6250d1a6dd14095625832",
        "test/STS.gs.images.txt": "fc994ebacc7074c332626fa9e29542d7340a48a3cdb999b47cdb59c378523a62",
        "test/STS.gs.tweet-news.txt": "0098c644bfeaa2d511a8297b1940771865900c372c9dd49a62726dc5ec02c9a3",
        "test/STS.input.OnWN.txt": "a227d5fe1c1f729a52a0b39b5b36d3225e1bca3c278e7ed392cac2ecd3990f1c",
        "test/STS.input.deft-forum.txt": "8b48aa15bb850e2827446f6e98cc3c5123ff283924b4571a409aa2fab73e35c6",
        "test/STS.input.deft-news.txt": "92df5b8c48873cbfba36b73a77955fb965c9244776df9e9c2c4d2f6155bdeefe",
        "test/STS.input.headlines.txt": "a19f84294325c62a2a403b59957196fd7737f86654ded0e04e0b54bc4a8bcf9e",
        "test/STS.input.images.txt": "cec1b3c08b0e4c88aeaf8dca047f5b28f4a8588eeef58475e0f16491d2bb7193",
        "test/STS.input.tweet-news.txt": "250d29ec9394e35443b2a73016ccc55e11b20939a3b8ee3bea9a858ba2f9adc0",
    },
    "sts15": {
        "test/STS.gs.answers-forums.txt": "1644301a7540e5484da285002e9269062852efb2272be614cad99c9530f6a102",
        "test/STS.gs.answers-students.txt": "028db213140f8c7aef7497c4ae38b6380938f20359852231669c83dce11c3701",
        "test/STS.gs.belief.txt": "5736192faaccbdbecd0ef6b73ec04b24115cd2e48d55dc3b1b170da3d2a81c75",
        "test/STS.gs.headlines.txt": "e8e432f769c8a94ddb62ae3343890ac24a9dd78a116d56c707313bc59413dd56",
        "test/STS.gs.images.txt": "ed8878209098c77ca7f02ac413d3fd698f92ad3425999555e50fda89fc46012a",
        "test/STS.input.answers-forums.txt": "fe8e460a74e8e38704ac4e6ddcedec89fd6e51cd0467d6f4301b444b259688e1",
        "test/STS.input.answers-students.txt": "16eedf46fb3b29822b275a0ddcff8e873a6eb4bafba244a17c4049ffc318d62a",
        "test/STS.input.belief.txt": "6e924a19fb1abbce01a8666f07766250b46a96c89272de8e5b01d0905bc61b79",
        "test/STS.input.headlines.txt": "779c195c54b72282bd3c8ca1dbb09a4155a39b2acd13d5cf819d8555d717cf6a",
        "test/STS.input.images.txt": "6f332542a75bcd18ea1442fc129306f746cd7ade7010ea274e763bfca576cc47",
    },
    "sts16": {
        "test/STS2016.gs.answer-answer.txt": "332efd741b0cb247d20dd2a6cec854360c921c7e6b395f328f562d8d26057214",
        "test/STS2016.gs.headlines.txt": "01e33a95996201a6e81e3cce9eda0f15048b77613ea64dce2929bb35479f7d85",
        "test/STS2016.gs.plagiarism.txt": "29984944a91aaff484f2b2e5d4d434fc8a6f5ef6f578a880cccd2786f5142fdc",
        "test/STS2016.gs.postediting.txt": "81947ed9dbe7f85b7bd249df68ed5c7b2f16f06390ad568eb5554b1e26bc5577",
        "test/STS2016.gs.question-question.txt": "cf9ebf9d140191f73620cda0560947ad9283c910735d0d541b8a401a5e64afb0",
        "test/STS2016.input.answer-answer.txt": "7daf2cd87751a0f8b754fe705bdb280c31591d9febf5b6fce9dcb10d3b8a72a7",
        "test/STS2016.input.headlines.txt": "ec8ee1124e71f4cc18c861f542fa8f32c86fef0703de31b0f7a02e22e935d992",
        "test/STS2016.input.plagiarism.txt": "6760cb210f4423262fd8962674e6668409690ce888bb1617659c6886cf004019",
        "test/STS2016.input.postediting.txt": "a8a66185877785307803c99a0899d65aefb062c4bf7689560b95d37bb0c05474",
        "test/STS2016.input.question-question.txt": "b7f95dead3d8c59fbaacbb135643c6ebd322682db6502fdb24d4ce83c9bf016d",
    },
    "sts17": {
        "STS2017.eval.v1.1/STS.input.track1.ar-ar.txt": "a4f24daa03def87b52769b3a5ea9fe5f8b66d2f06db2a6565395cb1575443e3e",
        "STS2017.eval.v1.1/STS.input.track2.ar-en.txt": "e70c9546323388411dc57468eae360341746a7fe5501d0e87b28cc386c45f308",
        "STS2017.eval.v1.1/STS.input.track3.es-es.txt": "9daa6bf43dcd0bb733773b6fc15bd66be799b94e8b56b3ab07f29cefdc39c5d9",
        "STS2017.eval.v1.1/STS.input.track4a.es-en.txt": "312de93aa424c5862dbb0f8d4d83b6389cd08428278961ab2c6c53655428c812",
        "STS2017.eval.v1.1/STS.input.track4b.es-en.txt": "caadaa457aa5548379d83d36fba9c05a4e0424fabb1ba22bf938a0c66c47eee9",
        "STS2017.eval.v1.1/STS.input.track5.en-en.txt": "8d493844c1010eb6b5d373e289b8d6ddc003e626bf8495976cc40c0a5f47414c",
        "STS2017.eval.v1.1/STS.input.track6.tr-en.txt": "3054157d3d25b0a15d49b474fd21138efe3e04a70c169e21e3045553d798069f",
        "STS2017.gs/STS.gs.track1.ar-ar.txt": "4a7ad1eb5219605ab09cd743727c4059acdf55df9ae7351b5df079cc47ae983e",
        "STS2017.gs/STS.gs.track2.ar-en.txt": "e37e117a16236be51a0b1fcd71344efb413964acefbc849603e16ec841072e41",
        "STS2017.gs/STS.gs.track3.es-es.txt": "96f9d7914e31510774b4b696024b4da8f66ac1ed681d2e9895cc622185a5e637",
        "STS2017.gs/STS.gs.track4a.es-en.txt": "043319c5223da878f0300b7674adbae656014d5f55f0f6cab5fcb83b9f2921e6",
        "STS2017.gs/STS.gs.track4b.es-en.txt": "67e226bbd2b0d42b8b4f0e0b677df1740e992aa10dfed56411eb62e1071df95e",
        "STS2017.gs/STS.gs.track5.en-en.txt": "a767d322cc3e78ff43f3c541a4fc0b9e0e5681f27c20de7eb9095fbb9072cf04",
        "STS2017.gs/STS.gs.track6.tr-en.txt": "f0aceb6d73370462cfe4025778d7a879917b950141b333fc59e5e40c30cb1f4e",
    },
    "stsb": {
        "stsbenchmark/sts-dev.csv": "5d7e944d8b02734b07bfdb5df67db3420c64bed153fcaa1ba47ad03480cf4234",
        "stsbenchmark/sts-test.csv": "affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a",
        "stsbenchmark/sts-train.csv": "0f71910b59aa1ad973c5897f0791f3b0965a92b8f82b1a95f3eea9f4162fda82",
    },
    "sick": {
        "SICK_test_annotated.txt": "2b8aa806658d6fc23c6824c83776c2d4fee7556000817b5ec0f982861413b7d0",
    },
}

_ALL: tuple[Benchmark, ...] = (
    Benchmark(
        name="wic",
        title="WiC, the Word-in-Context dataset (English train/dev/test)",
        folder="wic",
        releases=(
            Release(
                "WiC_dataset.zip",
                "https://pilehvar.github.io/wic/package/WiC_dataset.zip",
                anchor="dev/dev.data.txt",
            ),
        ),
        licence="CC BY-NC 4.0 (stated on the project page)",
        citation="Pilehvar & Camacho-Collados (2019). WiC: the Word-in-Context Dataset for Evaluating "
        "Context-Sensitive Meaning Representations. NAACL 2019.",
        homepage="https://pilehvar.github.io/wic/",
        sha256=_PINNED["wic"],
    ),
    Benchmark(
        name="mcl-wic",
        title="MCL-WiC, SemEval-2021 Task 2 (training, dev, test, test gold, trial)",
        folder="mcl-wic",
        releases=(
            Release(
                "SemEval-2021_MCL-WiC_all-datasets.zip",
                f"{_MCL_WIC}/SemEval-2021_MCL-WiC_all-datasets.zip",
                anchor="dev/multilingual/dev.en-en.data",
            ),
            Release(
                "SemEval-2021_MCL-WiC_test-gold-data.zip",
                f"{_MCL_WIC}/SemEval-2021_MCL-WiC_test-gold-data.zip",
                anchor="multilingual/test.en-en.gold",
                target="test",
            ),
            Release(
                "SemEval-2021_MCL-WiC_trial.zip",
                f"{_MCL_WIC}/SemEval-2021_MCL-WiC_trial.zip",
                anchor="multilingual/trial.en-en.data",
                target="trial",
            ),
        ),
        licence="CC BY-NC-SA 4.0 (the bundled LICENSE.txt; the README says CC BY-NC 4.0)",
        citation="Martelli, Kalach, Tola & Navigli (2021). SemEval-2021 Task 2: Multilingual and "
        "Cross-lingual Word-in-Context Disambiguation (MCL-WiC). SemEval 2021.",
        homepage="https://github.com/SapienzaNLP/mcl-wic",
        sha256=_PINNED["mcl-wic"],
    ),
    Benchmark(
        name="am2ico",
        title="AM2iCo, crosslingual word meaning in context (14 X-en pairs)",
        folder="am2ico",
        releases=(
            Release(
                "AM2iCo-2003865050bc9a9e84f2bcb4979f03734bddab28.zip",
                "https://github.com/cambridgeltl/AM2iCo/archive/2003865050bc9a9e84f2bcb4979f03734bddab28.zip",
                anchor="de/dev.tsv",
            ),
        ),
        licence="CC BY 4.0",
        citation="Liu, Ponti, McCarthy, Vulić & Korhonen (2021). AM2iCo: Evaluating Word Meaning in "
        "Context across Low-Resource Languages with Adversarial Examples. EMNLP 2021.",
        homepage="https://github.com/cambridgeltl/AM2iCo",
        sha256=_PINNED["am2ico"],
    ),
    Benchmark(
        name="scws",
        title="SCWS, Stanford Contextual Word Similarity (one-sentence contexts)",
        folder="scws",
        releases=(
            Release(
                "scws.txt",
                "https://raw.githubusercontent.com/qianchu/adjust_cwe/"
                "5ec4d09b5d28f1770607de84e8cfd6b35e045836/eval_data/scws/scws.txt",
                sha256=_PINNED["scws"]["scws.txt"],
                target="scws.txt",
            ),
        ),
        licence="none stated (research dataset of Stanford NLP)",
        citation="Huang, Socher, Manning & Ng (2012). Improving Word Representations via Global Context "
        "and Multiple Word Prototypes. ACL 2012.",
        homepage="https://github.com/qianchu/adjust_cwe",
        sha256=_PINNED["scws"],
        note="the preprocessed version of Liu et al. (EMNLP 2020); the original SCWS.zip has "
        "50-word contexts the loader does not read",
    ),
    Benchmark(
        name="usim",
        title="USim, graded usage similarity (two lines per pair)",
        folder="usim",
        releases=(Release("usim.txt", None, target="usim.txt"),),
        licence="not recorded: see the release you obtain",
        citation="Erk, McCarthy & Gaylord (2013). Measuring Word Meaning in Context. Computational "
        "Linguistics 39(3).",
        homepage="",
        note="no public release in the loader's format (sentence, token index, rating) is recorded",
    ),
    Benchmark(
        name="cosimlex",
        title="CoSimLex, graded word similarity in context (en, fi, hr, sl)",
        folder="cosimlex",
        releases=tuple(
            Release(f"cosimlex_{lang}.csv", None, target=f"cosimlex_{lang}.csv")
            for lang in ("en", "fi", "hr", "sl")
        ),
        licence="not recorded: see the release you obtain",
        citation="Armendariz, Purver, Ulčar, Pollak, Ljubešić & Granroth-Wilding (2020). CoSimLex: A "
        "Resource for Evaluating Graded Word Similarity in Context. LREC 2020.",
        homepage="https://arxiv.org/abs/1912.05320",
        note="no direct download URL is recorded: get cosimlex_<l>.csv from the CLARIN.SI "
        "repository named in the paper",
    ),
    *(_sts_year(year) for year in _STS_YEARS),
    Benchmark(
        name="sts17",
        title="SemEval STS 2017 (multilingual and crosslingual tracks)",
        folder="sts17",
        releases=(
            Release(
                "Sts2017.eval.v1.1.zip",
                f"{_STS_EVAL}/Sts2017.eval.v1.1.zip",
                anchor="STS.input.track5.en-en.txt",
                target="STS2017.eval.v1.1",
            ),
            Release(
                "Sts2017.gs.zip",
                f"{_STS_EVAL}/Sts2017.gs.zip",
                anchor="STS.gs.track5.en-en.txt",
                target="STS2017.gs",
            ),
        ),
        licence="CC BY-SA 4.0 (track 4b: WMT News Commentary)",
        citation=_STS17_CITATION,
        homepage="http://ixa2.si.ehu.eus/stswiki",
        sha256=_PINNED["sts17"],
        note="the organisers' archives as kept, unchanged, in eduardofv/sts_eval",
    ),
    Benchmark(
        name="stsb",
        title="STS Benchmark (train/dev/test)",
        folder="stsbenchmark",
        releases=(
            Release(
                "Stsbenchmark.tar.gz",
                f"{_STSWIKI}/4/48/Stsbenchmark.tar.gz",
                anchor="sts-dev.csv",
                target="stsbenchmark",
            ),
        ),
        licence=_STS_GOLD_LICENCE,
        citation=_STS17_CITATION,
        homepage="http://ixa2.si.ehu.eus/stswiki",
        sha256=_PINNED["stsb"],
    ),
    Benchmark(
        name="sick",
        title="SICK, SemEval-2014 Task 1 (test set, relatedness scores)",
        folder="sick",
        releases=(
            Release(
                "sick_test_annotated.zip",
                "http://alt.qcri.org/semeval2014/task1/data/uploads/sick_test_annotated.zip",
                anchor="SICK_test_annotated.txt",
            ),
        ),
        licence="CC BY-NC-SA 3.0",
        citation="Marelli, Menini, Baroni, Bentivogli, Bernardi & Zamparelli (2014). A SICK cure for "
        "the evaluation of compositional distributional semantic models. LREC 2014.",
        homepage="https://alt.qcri.org/semeval2014/task1/",
        sha256=_PINNED["sick"],
    ),
)

BENCHMARKS: dict[str, Benchmark] = {benchmark.name: benchmark for benchmark in _ALL}
