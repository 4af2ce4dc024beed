"""Contact Uploader core: everything but the window. Never imports Qt."""

__version__ = "0.1.0"
APP_NAME = "contact-uploader"
APP_TITLE = "Contact Uploader"
