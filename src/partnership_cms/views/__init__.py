"""The HTML user interface: the same services as the JSON API, rendered for
browsers in Swedish (English through the language switch)."""


def includeme(config):
    config.add_translation_dirs("partnership_cms:locale/")
    config.add_static_view("static", "partnership_cms:static", cache_max_age=3600)
    config.add_static_view("deform_static", "deform:static", cache_max_age=3600)
    config.scan(".")
