"""Personal posters: one attributable poster per participant, from a people file.

Owns reading people files (:mod:`.people`, and folders, globs and URLs of them:
:mod:`.sources`), fetching and checking avatars (:mod:`.avatars`), and running a batch
(rows → personal posters → ``people.csv`` and ``failed.csv``): the driver (:mod:`.run`)
hands partitions of rows to one unit of work (:mod:`.partition`) on local processes or a
Dask cluster (:mod:`.executors`), writing to a folder or any fsspec URL.  It may import
the core modules (spec, loader, jobs, codes, render, writer, store, errors); nothing in
the core imports it.
"""
