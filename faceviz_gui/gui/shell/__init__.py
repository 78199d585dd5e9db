"""The window shell: the application, main window, menus and shortcuts, start-up, About and the
data-source dialog. Pages are built from here on demand (page_host.py)."""
