"""What a landing page says: the ``landing:`` section over defaults from the poster copy.

:func:`page_content` is pure data (no HTML): templates read it as ``page`` and the
built-in wording as ``t``.  Every field of ``landing:`` is optional; what it leaves out
comes from the poster (headline, subheadline, benefits, price, scarcity, endorsements,
hero photo) and from the built-in wording of the page's language, so a campaign without a
``landing:`` section still gets a complete page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..textclean import campaign_language
from ..spec import (
    Benefit,
    Brand,
    Campaign,
    Certification,
    Expert,
    Follow,
    Inviter,
    Landing,
    LeadForm,
    Price,
    Proof,
    Testimonial,
)

#: A China mainland mobile number as people and autofill write it: 13812345678,
#: +86 138 1234 5678, 138-1234-5678, 0086… (the page script and the lead endpoint reduce it
#: to the 11 digits; see postergen.site.leads.normalise_phone).  Escaped for the 'v' flag.
CN_MOBILE = r"^(?:(?:\+|00)?86[ \-]?)?1[3-9][0-9](?:[ \-]?[0-9]){8}$"
ANY_PHONE = r"^\+?[0-9 \(\)\-]{6,20}$"  # escaped for the 'v' flag browsers use

#: Built-in wording per language ('zh' for every zh-*, 'en' for every other language).
STRINGS = {
    "zh": {
        "form_title": "填写手机号，立即领取",
        "name_label": "称呼",
        "name_placeholder": "选填",
        "phone_label": "手机号",
        "phone_placeholder": "请输入 11 位手机号",
        "phone_hint": "请输入正确的 11 位手机号",
        "consent": "我已阅读并同意",
        "privacy_label": "《个人信息保护说明》",
        "purpose": "{brand} 仅将你的手机号用于发放本次活动奖励和活动通知。",
        "submit": "立即领取",
        "benefits_title": "活动亮点",
        "proof_title": "为什么选择{brand}",
        "cta_title": "名额有限，先到先得",
        "was": "原价",
        "scan_follow": "长按识别二维码关注",
        "scan_group": "长按识别二维码加入",
        "qr_follow": "公众号二维码",
        "qr_group": "群二维码",
        "join": "点击加入",
        "customer": "真实用户",
        "expert": "专家",
        # messages the script shows (inline, in the page's language)
        "phone_missing": "请填写手机号",
        "consent_missing": "请先勾选同意，再提交",
        "sending": "正在提交…",
        "done": "提交成功，正在跳转…",
        "saved": "网络不太好，没有提交成功。你填写的信息已保存在本机，网络恢复后会自动重新提交。",
        "failed": "网络不太好，没有提交成功，请稍后重试。",
        "rejected": "提交未成功，请检查后重试。",
        "retry": "重新提交",
        "sent_later": "你之前填写的信息已提交成功。",
        # the thank-you page
        "thanks_title": "提交成功",
        "thanks_text": "我们已收到你的信息，活动奖励将发送到你填写的手机号。",
        "poster_title": "邀请好友一起参加",
        "poster_text": "生成带有你专属二维码的海报，分享给好友。",
        "poster_button": "生成我的专属海报",
        # the split and short-link pages
        "opening": "正在打开活动页…",
        "open": "打开活动页",
    },
    "en": {
        "form_title": "Claim your offer",
        "name_label": "Name",
        "name_placeholder": "optional",
        "phone_label": "Mobile",
        "phone_placeholder": "Your mobile number",
        "phone_hint": "Please enter a valid mobile number",
        "consent": "I have read and agree to the ",
        "privacy_label": "privacy notice",
        "purpose": "{brand} uses your number only to send this offer and news about it.",
        "submit": "Claim now",
        "benefits_title": "What you get",
        "proof_title": "Why {brand}",
        "cta_title": "Limited places",
        "was": "was",
        "scan_follow": "Long-press the QR code to follow",
        "scan_group": "Long-press the QR code to join",
        "qr_follow": "QR code of the official account",
        "qr_group": "QR code of the group",
        "join": "Join",
        "customer": "Customer",
        "expert": "Expert",
        "phone_missing": "Please enter your mobile number",
        "consent_missing": "Please tick the box to agree first",
        "sending": "Sending…",
        "done": "Sent, one moment…",
        "saved": "The network let us down: your details are saved on this phone and will be sent when it is back.",
        "failed": "The network let us down: please try again in a moment.",
        "rejected": "That did not go through: please check and try again.",
        "retry": "Send again",
        "sent_later": "The details you entered earlier have been sent.",
        "thanks_title": "Thank you!",
        "thanks_text": "We have your details; your reward will be sent to the number you gave.",
        "poster_title": "Invite your friends",
        "poster_text": "Make a poster with your own QR code to share with friends.",
        "poster_button": "Make my poster",
        "opening": "Opening the campaign page…",
        "open": "Open the campaign page",
    },
}

_FORM_TEXT = (
    "title", "name_label", "name_placeholder", "phone_label", "phone_placeholder", "phone_hint",
    "consent", "privacy_label", "submit",
)


@dataclass(frozen=True)
class Content:
    """The page's copy, section by section (asset fields are paths relative to the spec)."""

    lang: str
    brand: Brand
    inviter: Inviter | None
    bait: str | None
    headline: str
    subheadline: str | None
    price: Price | None
    scarcity: str | None
    benefits: list[Benefit]
    hero: str | None
    hero_focal: tuple[float, float]
    form: LeadForm | None  # every text field filled in
    follow: Follow | None
    top: str  # "form" or "follow": the early call to action on the first screen
    bottom: str  # "form", "follow" or "both"
    proof: Proof
    proof_title: str
    cta_title: str
    footer: str | None
    warnings: list[str] = field(default_factory=list)

    @property
    def has_proof(self) -> bool:
        p = self.proof
        return bool(p.numbers or p.certifications or p.experts or p.testimonials)


def language(spec: Campaign) -> str:
    """The page language: ``landing.lang``, else zh-CN for a Chinese headline, else en."""
    return campaign_language(spec)


def strings(lang: str) -> dict[str, str]:
    return STRINGS["zh" if lang.lower().startswith("zh") else "en"]


def proof_from_poster(spec: Campaign, t: dict[str, str]) -> Proof:
    """The proof section built from ``poster.endorsements``."""
    certs, experts, reviews = [], [], []
    for e in spec.poster.endorsements:
        if e.kind == "certification":
            certs.append(Certification(text=e.text if not e.author else f"{e.text} · {e.author}"))
        elif e.kind == "expert":
            experts.append(Expert(name=e.author or t["expert"], quote=e.text))
        else:
            reviews.append(Testimonial(name=e.author or t["customer"], quote=e.text))
    return Proof(certifications=certs, experts=experts, testimonials=reviews)


def _filled_form(form: LeadForm, t: dict[str, str], lang: str, brand: str) -> LeadForm:
    update = {name: t["form_title" if name == "title" else name] for name in _FORM_TEXT if getattr(form, name) is None}
    if form.purpose is None:
        update["purpose"] = t["purpose"].format(brand=brand)
    if form.phone_pattern is None:
        update["phone_pattern"] = CN_MOBILE if lang.lower().startswith("zh") else ANY_PHONE
    return form.model_copy(update=update)


def page_content(spec: Campaign) -> Content:
    land = spec.landing or Landing()
    poster = spec.poster
    lang = language(spec)
    t = strings(lang)
    warnings: list[str] = []
    form = land.form
    if form is not None and form.endpoint and form.endpoint.lower().startswith("http://"):
        warnings.append("landing.form.endpoint is http://: phone numbers would travel unencrypted; use https://")
    if form is not None:
        form = _filled_form(form, t, lang, spec.brand.name)
    follow = land.follow
    if follow is not None and follow.link_text is None:
        follow = follow.model_copy(update={"link_text": t["join"]})
    bottom = land.bottom or ("form" if form is not None else "follow")
    if form is None and bottom in ("form", "both"):
        bottom = "follow"
    bg = spec.theme.background
    return Content(
        lang=lang,
        brand=spec.brand,
        inviter=spec.inviter,
        bait=land.bait,
        headline=land.headline or poster.headline,
        subheadline=land.subheadline if land.subheadline is not None else poster.subheadline,
        price=land.price or poster.price,
        scarcity=land.scarcity if land.scarcity is not None else poster.scarcity,
        benefits=list(land.benefits if land.benefits is not None else poster.benefits),
        hero=land.hero or bg.image,
        hero_focal=tuple(bg.focal) if not land.hero else (0.5, 0.5),
        form=form,
        follow=follow,
        top="form" if form is not None else ("follow" if follow is not None else "none"),
        bottom=bottom,
        proof=land.proof if land.proof is not None else proof_from_poster(spec, t),
        proof_title=(land.proof.title if land.proof and land.proof.title else t["proof_title"].format(brand=spec.brand.name)),
        cta_title=land.cta_title or t["cta_title"],
        footer=land.footer,
        warnings=warnings,
    )
