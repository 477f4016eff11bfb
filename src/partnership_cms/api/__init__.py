"""The JSON API (plone.restapi conventions); see docs/api.md and /@openapi.json."""


def includeme(config):
    config.scan(".views")
    config.scan(".meetings")
    config.scan(".protocols")
    config.scan(".seal")
    config.scan(".attachments")
    config.scan(".moved")
    config.scan(".errors")
