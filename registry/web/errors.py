"""HTML error pages for the pages; ``/api/`` keeps its problem+json handling untouched."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from registry.db import get_session
from registry.errors import DATABASE_RETRY_AFTER_SECONDS, DomainError
from registry.web.blueprint import bp
from registry.web.security import is_api_path


def _title(status: int) -> str:
    # Looked up here (not at import) so that the reader's language applies.
    titles = {
        400: _("请求有误"),
        401: _("需要登录"),
        403: _("无权访问"),
        404: _("页面不存在"),
        405: _("不支持此操作方式"),
        409: _("当前状态不允许此操作"),
        412: _("内容已被他人修改"),
        413: _("上传的文件过大"),
        422: _("提交的内容有误"),
        429: _("请求过于频繁"),
        500: _("系统内部错误"),
        503: _("服务暂时不可用"),
    }
    return titles.get(status, _("请求未能完成"))


def _explanation(status: int, csrf: bool = False) -> str:
    if csrf:
        return _("表单已过期或来源无法验证，未作任何更改。请返回上一页，刷新后重新提交。")
    texts = {
        403: _("您的账户无权查看此页面或执行此操作。如需办理，请使用具有相应职责的账户登录。"),
        404: _("未找到您要访问的页面、自贸试验区或清单版本。请检查网址，或从首页重新进入。"),
        405: _("此页面不接受这种请求方式。"),
        409: _("清单版本当前所处的状态不允许此操作，例如已提交的版本不能再修改。"),
        412: _("您打开此草稿后，已有他人修改。请重新打开草稿后再修改。"),
        413: _("上传的文件超过了系统允许的大小。"),
        429: _("短时间内请求次数过多，请稍后再试。"),
        500: _("系统未能完成此请求，已记录该错误。请稍后再试。"),
        503: _("数据库暂时无法访问，未作任何更改。请稍后再试。"),
    }
    return texts.get(status, _("请返回上一页重试。"))


def render_error(status: int, detail: str | None = None, *, csrf: bool = False):
    """Render the HTML error page for ``status``."""
    try:
        get_session().rollback()
    except Exception:  # noqa: BLE001  (an error page must render even if the database is gone)
        current_app.logger.warning("could not roll back the session while rendering an error page")
    body = render_template(
        "web/error.html",
        status=status,
        title=_title(status),
        explanation=_explanation(status, csrf),
        detail=detail,
    )
    return body, status


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError):
    return render_error(400, error.description, csrf=True)


@bp.errorhandler(DomainError)
def _domain_refused(error: DomainError):
    return render_error(error.status, error.detail)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return render_error(error.code or 500)


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database_unavailable(error: Exception):
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
    g.web_user = None  # the page's header must not ask the database who is signed in
    body, status = render_error(503)
    return body, status, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("Unhandled error on a page", exc_info=error)
    return render_error(500)


def init_app(app: Flask) -> None:
    """HTML 404/405 for unknown non-API addresses; the API's own handler for /api/."""

    def not_found_or_not_allowed(error: HTTPException):
        if is_api_path(request.path):
            return app.extensions["registry.api"].handle_http_exception(error)
        if isinstance(error, CSRFError):
            return render_error(400, error.description, csrf=True)
        return render_error(error.code or 404)

    for status in (404, 405):
        app.register_error_handler(status, not_found_or_not_allowed)
    # A CSRF refusal outside the blueprint (e.g. an unknown form target) is HTML too.
    app.register_error_handler(CSRFError, not_found_or_not_allowed)
