"""Page chrome recognised one line at a time: widgets, navigation, credits, footers and so on.

Each rule names a family of noise (a reason slug) and is written for the family, not for one
site: simplified and traditional spellings, optional brackets and colons, and a length limit so
that a sentence of the article which merely mentions a keyword is never taken for chrome.
Patterns are lower case and applied to the lower-cased line.
"""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import re

from articles.pipeline.clean.lines import PROSE_PUNCT, ends_sentence, is_latin_only

# A sentence ends somewhere in the text: what a bare credit line never contains.
_SENTENCE_END_MARK = re.compile("[。！？!?]")


def _words(words: str) -> frozenset[str]:
    """Return the set of whitespace-separated words."""
    return frozenset(words.split())


def _any(words: str, *patterns: str) -> str:
    """Return a regex group matching any of the whitespace-separated words or the patterns."""
    return "(?:" + "|".join([_alternatives(words), *patterns]) + ")"


def _alternatives(words: str) -> str:
    """Return the whitespace-separated words as regex alternatives (not grouped)."""
    # Longest first, so that "分享到" is tried before "分享".
    return "|".join(map(re.escape, sorted(words.split(), key=len, reverse=True)))


# Menu words seen in navigation bars; a bar is recognised by its shape, these confirm it.
_NAV_WORDS = _words(
    """
    首页 首頁 主页 主頁 网站首页 新闻 新聞 国际 國際 国内 國內 军事 軍事 财经 財經 体育 體育
    娱乐 娛樂 科技 社会 社會 评论 評論 视频 視頻 影音 图片 圖片 专题 專題 登录 登入 注册 註冊
    关于我们 關於我們 联系我们 聯繫我們 网站地图 網站地圖 更多 直播 汽车 汽車 房产 房產 教育
    健康 旅游 旅遊 时尚 時尚 文化 读书 讀書 历史 歷史 滚动 滾動 要闻 要聞 热点 熱點 观点 觀點
    两岸 兩岸 港澳 台湾 臺灣 台灣 大陆 大陸 全球 政治 经济 經濟 生活 地方 独家 獨家 深度 数据
    數據 搜索 搜尋 订阅 訂閱 客户端 home news world china politics business sport sports
    opinion video about contact login
    """
)
_HOME_WORDS = _words("首页 首頁 主页 主頁 网站首页 網站首頁 home 新闻中心 新聞中心")
_CRUMB_ENDS = _words("正文 內文 内文 详情 詳情")
_SOCIAL_WORDS = _words(
    """
    微信 微博 朋友圈 qq qq空间 qq空間 豆瓣 人人网 腾讯微博 新浪微博 facebook twitter x line
    whatsapp telegram weibo wechat linkedin reddit email 邮件 郵件 复制链接 複製連結 脸书 臉書
    推特 噗浪 plurk
    """
)

_NAV_SEPARATOR = re.compile(r"\s*[|｜│¦丨]\s*")
_CRUMB_SEPARATOR = re.compile(r"\s*(?:>>|>|»|›|＞|→|/)\s*")
# Whether a line holds a separator at all: searched without the spaces around it, which
# would make the regex engine try every position of every line (4-6x slower).
_NAV_MARK = re.compile(r"[|｜│¦丨]")
_CRUMB_MARK = re.compile(r"[>»›＞→/]")
_SYMBOLS_ONLY = re.compile(r"[\W_]{1,5}")

_WIDGET = re.compile(
    r"[【\[]?(?:"
    + _any(
        """
        发表评论 發表評論 发表回复 發表回覆 我要评论 我要評論 网友评论 網友評論 查看评论 查看評論
        全部评论 全部評論 热门评论 熱門評論 最新评论 最新評論 暂无评论 暫無評論 留言 点赞 點讚 收藏
        打印 列印 关闭 關閉 举报 舉報 檢舉 纠错 糾錯 返回顶部 回到顶部 回到頂部 返回頂部 返回列表
        返回首页 返回首頁 阅读全文 閱讀全文 展开全文 展開全文 查看全文 点击查看全文 點擊查看全文
        继续阅读 繼續閱讀 查看原文 阅读原文 閱讀原文 点击阅读原文 查看更多 在看 写留言 寫留言
        reply print subscribe search menu
        """
    )
    + r"|(?:add|leave|post|write) a (?:comment|reply)|cancel reply|\d*\s*comments?"
    r"|translate\s*[»>]?|skip to (?:main )?content|(?:back to|go to) top|read more|load more"
    r"|like this:?|tags?:.{0,60}"
    r"|(?:评论|評論)\s*[(（]?\d*[)）]?|\d+\s*(?:条评论|則留言)|(?:点赞|點讚)\s*\d+"
    r"|返回\S{1,6}[，,]\s*查看更多"
    r"|(?:阅读|閱讀|浏览|瀏覽|点击|點擊)(?:量|数|數|次数|次數)?\s*[:：]?\s*[\d.]+\s*[万萬w]?\+?"
    r"|[\d.]+\s*[万萬w]?\+?\s*(?:人)?(?:阅读|閱讀|浏览|瀏覽|次浏览|次瀏覽)"
    r"|【?\s*字[号號体體]\s*[:：]?\s*大\s*中\s*小\s*】?|大\s*中\s*小"
    r"|(?:您|你)的(?:邮箱|郵箱|电子邮件|電子郵件)地址不[会會]被公[开開].{0,40}"
    r"|.{0,20}必填[项項]已用.{0,10}[标標][注註]"
    r"|your email address will not be published.{0,60}|required fields are marked.{0,10}"
    r")[】\]]?"
)
_BREADCRUMB_LEAD = re.compile(
    _any(
        """
        当前位置 當前位置 您的位置 你的位置 您现在的位置 你现在的位置 您現在的位置 现在位置
        現在位置 所在位置 目前位置
        """
    )
    + r"\s*[:：]"
)
_PREV_NEXT = re.compile(
    r"[«‹<←]?\s*"
    + _any(
        """
        上一篇 下一篇 上一页 下一页 上一頁 下一頁 上一条 下一条 上一條 下一條 上一则 下一则
        上一則 下一則 上篇 下篇 前一篇 后一篇 後一篇
        """,
        r"previous(?: post| article)?",
        r"next(?: post| article)?",
    )
    + r"\s*(?P<colon>[:：])?"
)
_SHARE_LEAD = re.compile(
    _any(
        "分享到 分享至 分享给朋友 分享給朋友 分享本文 一键分享 一鍵分享 转发到 轉發到 分享",
        r"share(?: this)?(?: article| story)?(?: on)?",
    )
    + r"\s*(?P<colon>[:：])?"
)
_QR = re.compile(
    r"[【\[(（]?\s*"
    + _any(
        """
        扫一扫 掃一掃 扫码 掃碼 扫描 掃描 长按 長按 微信扫 微信掃 打开微信 打開微信 关注我们
        關注我們 关注微信 關注微信 关注公众号 關注公眾號 微信公众号 微信公眾號 微信号 微信號
        欢迎关注 歡迎關注 点击上方 點擊上方 点击蓝字 點擊藍字
        """
    )
)
_QR_WORDS = re.compile(_any("二维码 二維碼 公众号 公眾號 扫 掃 关注 關注"))
_ORIGINAL_TITLE = re.compile(
    r"[【\[(（]?\s*" + _any("原标题 原標題 原题 原題 原文标题 原文標題 原文题目") + r"\s*[:：]"
)
_SOURCE_LEAD = re.compile(
    r"[【\[(（]?\s*"
    + _any(
        """
        来源 來源 出处 出處 稿源 文章来源 文章來源 本文来源 本文來源 新闻来源 新聞來源 转载自
        轉載自 转自 轉自 本文转自 本文轉自 source
        """
    )
    + r"\s*[:：]"
)
_CLAUSE_MARK = re.compile("[，,。；;！!？?]")
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_META_LABEL = re.compile(
    r"(?:^|\s)"
    + _any("来源 來源 作者 编辑 編輯 发布 發布 发表 發表 更新 时间 時間 日期 浏览 瀏覽 阅读 閱讀")
    + r"\s*(?:时间|時間|日期|量|数|數|次数)?\s*[:：]"
)
# Every alternative starts with one given character, so the regex engine skips ahead to
# where one may start (4x faster than with a character class among them).
_COPYRIGHT_STRONG = re.compile(
    r"版权所有(?!者|人)|版權所有(?!者|人)|copyright|©|\(c\)\s*\d{4}|all rights reserved"
    r"|icp\s*(?:备|備|证|證)|"
    + _alternatives(
        """
        保留所有权利 保留所有權利 保留一切权利 保留一切權利 公网安备 公網安備 网安备 網安備
        增值电信业务经营许可证 互联网新闻信息服务许可证 违法和不良信息举报 違法和不良信息舉報
        """
    )
)
_PROVINCE_ICP = re.compile(r"[京沪粤浙苏鲁川鄂湘闽皖豫冀辽吉黑晋陕甘宁青新藏桂琼渝津蒙贵云]icp")
_COPYRIGHT_SOFT = re.compile(
    _any(
        """
        不得转载 不得轉載 禁止转载 禁止轉載 转载请注明 轉載請註明 请勿转载 請勿轉載 如有侵权
        如有侵權 版权归 版權歸 版权属于 版權屬於 未经授权 未經授權 非經授權 未经许可 未經許可
        侵权必究 侵權必究 仅代表作者 僅代表作者 信息存储空间服务 資訊儲存空間服務
        """,
        r"不代表.{0,12}(?:观点|觀點|立场|立場)",
    )
)
_DISCLAIMER_LEAD = re.compile(
    r"[【\[(（]?\s*" + _any("本文 本站 本网 本網 凡本 凡注明 未经 未經 声明 聲明 免责 免責")
)
_APP_BANNER = re.compile(
    r"(?:下载|下載|打开|打開|安装|安裝|前往)[^。，,]{0,12}(?:app|客户端|客戶端|应用|應用程式)"
    r"|(?:app|客户端|客戶端)\s*(?:内|內|中)?\s*(?:查看|阅读|閱讀|打开|打開|观看|觀看|看)|"
    + _any("点击下载 點擊下載 立即下载 立即下載 扫码下载 掃碼下載")
    + r"|open in app|download (?:the|our) app|get the app"
)
_CREDIT_KEY = _any(
    """
    责任编辑 責任編輯 责编 責編 编辑 編輯 主编 主編 审核 審核 审校 審校 校对 校對 监制 監製
    记者 記者 作者 撰稿 撰文 摄影 攝影 图片 圖片 视频 視頻 实习生 實習生 通讯员 通訊員 编译
    編譯 翻译 翻譯 文字 文 图 圖
    """
)
_CREDIT_NAME = r"[^\s，,。：:？?！!；;“”\"（）()]{1,15}"
_CREDIT_LINE = re.compile(
    rf"[（(【\[]?\s*(?:{_CREDIT_KEY}\s*[:：/|丨︰]\s*{_CREDIT_NAME}"
    rf"(?:[ 、,，/]+{_CREDIT_NAME}){{0,3}}\s*[；;]?\s*)+[）)】\]]?"
)
_EDITOR_IN_PARENS = re.compile(
    r"[（(【\[]\s*(?:责任编辑|責任編輯|编辑|編輯)\s*[:：︰][^（）()【】\[\]]{1,20}[）)】\]]"
)
_TOPIC_LINK = re.compile(_any("点击进入专题 點擊進入專題 进入专题 進入專題 更多专题 更多專題"))
_CAPTION = re.compile(
    r"[△▲▼▽↑↓]|[图圖][为為][：:]?|[图圖]片?[：:]|[（(]?\s*(?:图片来源|圖片來源)"
    r"|[图圖]源[：:]|资料图|資料圖|示意[图圖][：:]|[图圖]像(?:来源|來源|加注文字|加註文字)"
)
_AGENCY_LINE = re.compile(
    r"[（(]\s*(?:编辑|編輯|责任编辑|責任編輯|译者|譯者|核稿|校对|校對|编译|編譯)\s*[:：︰]"
    r"[^（）()]{1,30}[）)]\s*\d{6,8}|[（(\[【]\s*完\s*[）)\]】]"
)
# Headings of "related / latest / recommended" link blocks, in both scripts and in English.
RELATED_HEADING = re.compile(
    r"[【\[<《]?\s*"
    + _any(
        """
        相关新闻 相關新聞 相关阅读 相關閱讀 相关文章 相關文章 相关报道 相關報導 相关链接 相關連結
        相关推荐 相關推薦 延伸阅读 延伸閱讀 推荐阅读 推薦閱讀 热门推荐 熱門推薦 热点推荐 熱點推薦
        精彩推荐 精彩推薦 猜你喜欢 猜你喜歡 大家都在看 你可能还喜欢 你可能還喜歡 你可能感兴趣
        为你推荐 為你推薦 热门文章 熱門文章 热门新闻 熱門新聞 热门排行 熱門排行 排行榜 最新新闻
        最新新聞 最新文章 更多新闻 更多新聞 更多阅读 更多閱讀 今日热点 今日熱點 随便看看 隨便看看
        编辑推荐 編輯推薦 热读 熱讀 即时新闻 即時新聞 最新消息 热门 熱門 相关内容 相關內容
        热门内容 熱門內容 推荐内容 推薦內容 喜欢此内容的人还喜欢 喜歡此內容的人還喜歡 你可能还想看
        """,
        r"related(?: news| articles| posts| stories)?",
        r"you may also like|more stories|recommended",
    )
    + r"\s*[】\]>》]?\s*[:：]?(?:\s*更多\s*[>»]*)?"
)


def line_reason(s: str) -> str | None:
    """Return the reason slug if the stripped line s is page chrome on its own, else None."""
    n = len(s)
    if not s or n > 200:
        return None
    # Patterns are written in lower case and matched without IGNORECASE, which would stop the
    # regex engine from skipping ahead to the possible first characters.
    s = s.lower()
    if _CAPTION.match(s):
        return "caption"
    if n <= 150 and _ORIGINAL_TITLE.match(s):
        return "original_title"
    if (
        _COPYRIGHT_STRONG.search(s)
        or ("icp" in s and _PROVINCE_ICP.search(s))
        or (_DISCLAIMER_LEAD.match(s) and _COPYRIGHT_SOFT.search(s))
    ):
        return "copyright"
    if n <= 100 and (_BREADCRUMB_LEAD.match(s) or _is_breadcrumb(s)):
        return "breadcrumb"
    if n <= 160 and _is_navigation_bar(s):
        return "navigation"
    # Everything below is short by nature; paragraphs of the article stop here.
    return _short_line_reason(s) if n <= 100 else None


def _short_line_reason(s: str) -> str | None:
    """Return the reason slug for a short lower-cased line that is chrome, else None."""
    n = len(s)
    if n > 30 and ends_sentence(s):
        # A full sentence: none of the short rules below describes one.
        return None
    if _SYMBOLS_ONLY.fullmatch(s) or (n <= 80 and _WIDGET.fullmatch(s)):
        return "widget"
    if n <= 60 and _AGENCY_LINE.fullmatch(s):
        return "agency_code"
    if n <= 60 and _CREDIT_LINE.fullmatch(s):
        return "credit"
    if n <= 80 and (_TOPIC_LINK.search(s) or _EDITOR_IN_PARENS.search(s)):
        # Only when little else is on the line: a paragraph ending in "（编辑：…）" keeps its text
        # and loses just the parenthesis (see inline.py).
        rest = _EDITOR_IN_PARENS.sub("", s).strip()
        if len(rest) <= 30 and not _SENTENCE_END_MARK.search(rest):
            return "credit"
    if n <= 80 and _SOURCE_LEAD.match(s):
        return "source_line"
    if "。" not in s and _DATE.search(s) and _META_LABEL.search(s):
        return "source_line"
    if _is_prev_next(s):
        return "prev_next"
    if n <= 80 and _is_share_widget(s):
        return "share_widget"
    if n <= 60 and _QR.match(s) and _QR_WORDS.search(s) and "。" not in s[:-1]:
        return "qr_prompt"
    if n <= 50 and _APP_BANNER.search(s) and not s.endswith("。"):
        return "app_banner"
    return None


def is_dateline_meta(s: str) -> bool:
    """Return whether s is a short date line ("原创 国际观察 2025-03-12 08:00"), not a sentence."""
    return len(s) <= 60 and bool(_DATE.search(s)) and not _CLAUSE_MARK.search(s)


def edge_line_reason(s: str) -> str | None:
    """Return a reason for lines that are chrome only outside the article's prose (head/tail)."""
    # A few Latin words without a full stop around a Chinese article are buttons and links
    # ("Add a Comment", "Privacy Policy"); an English sentence quoted at the end is kept.
    if len(s) <= 40 and len(s.split()) <= 5 and is_latin_only(s) and s[-1] not in '.!?"”':
        return "widget"
    return None


def _tokens(s: str, separator: re.Pattern[str]) -> list[str]:
    """Return the non-empty pieces of s split by separator."""
    return [t for t in separator.split(s) if t]


def _is_navigation_bar(s: str) -> bool:
    """Return whether s is a bar of short menu entries ("首页 | 新闻 | 国际 | …")."""
    if not _NAV_MARK.search(s) and s.count(" ") < 4:
        return False
    if PROSE_PUNCT.search(s):
        return False
    tokens = _tokens(s, _NAV_SEPARATOR)
    if len(tokens) >= 3 and all(len(t) <= 8 for t in tokens):
        return len(tokens) >= 4 or any(t.lower() in _NAV_WORDS for t in tokens)
    words = s.split()
    # Space-separated menus need menu words: a row of short names could be content.
    return (
        len(words) >= 5
        and all(len(w) <= 6 for w in words)
        and sum(w.lower() in _NAV_WORDS for w in words) >= 2
    )


def _is_breadcrumb(s: str) -> bool:
    """Return whether s is a breadcrumb trail ("首页 > 国际 > 正文")."""
    if not _CRUMB_MARK.search(s) or PROSE_PUNCT.search(s):
        return False
    tokens = _tokens(s, _CRUMB_SEPARATOR)
    if len(tokens) < 2 or any(len(t) > 16 for t in tokens):
        return False
    return tokens[0] in _HOME_WORDS or tokens[-1] in _CRUMB_ENDS


def _is_prev_next(s: str) -> bool:
    """Return whether s links to the previous or next article ("上一篇：…")."""
    match = _PREV_NEXT.match(s)
    if not match:
        return False
    rest = s[match.end() :].strip()
    if match.group("colon") or not rest:
        return True
    # "Next week, …" is a sentence; "下一篇 普京表示…" without a colon is still a link.
    return not match.group().isascii() and len(s) <= 50 and not ends_sentence(s)


def _is_share_widget(s: str) -> bool:
    """Return whether the lower-cased s is a share prompt or a row of social platform names."""
    match = _SHARE_LEAD.match(s)
    if match:
        rest = s[match.end() :]
        if match.group("colon") or not rest.strip():
            return True
        words = rest.replace("|", " ").replace("/", " ").split()
        return bool(words) and all(w in _SOCIAL_WORDS for w in words)
    words = s.replace("|", " ").replace("/", " ").split()
    return len(words) >= 2 and all(w in _SOCIAL_WORDS for w in words)
