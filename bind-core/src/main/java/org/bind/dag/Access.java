package org.bind.dag;

/** How an op uses one versioned object (all its parameters that name the object, combined). */
enum Access {
    READ, WRITE, READ_WRITE;

    boolean reads() {
        return this != WRITE;
    }

    boolean writes() {
        return this != READ;
    }

    Access combine(Access other) {
        return this == other ? this : READ_WRITE;
    }
}
