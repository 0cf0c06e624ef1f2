"""The web layer: what a person opens in a browser, served by the service itself and working offline.

- `front`: the front page (`/`): what the instance holds, a search, the example profile, the links;
- `profile`: a researcher's page (`/authors/{id}`), drawn from one GraphQL request;
- `rest_docs`: the REST explorer (`/docs`, Swagger UI over /openapi.json);
- `contract`: the SDL (`/schema.graphql`) and the index of the REST resources (`/v1`);
- `layout`: the frame the pages share and the HTML 404 page;
- `routes`: the list api/app.py mounts; `assets/`: the pages' stylesheet and script modules.

It reads through the data layer (`api.db`) and the published contract; nothing points back at it.
"""
